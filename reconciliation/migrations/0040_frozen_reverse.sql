DROP TRIGGER IF EXISTS cardsettlement_frozen ON reconciliation_cardsettlement;
DROP TRIGGER IF EXISTS cardsettlementclose_frozen ON reconciliation_cardsettlementclose;
DROP TRIGGER IF EXISTS statementline_settled ON reconciliation_statementline;
DROP FUNCTION IF EXISTS reconciliation_statementline_settled();
