DROP FUNCTION IF EXISTS reconciliation_history_frozen() CASCADE;
