-- A credit refund is the record of money paid out: append-only, like the ledger behind it.
CREATE OR REPLACE FUNCTION payments_credit_refund_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on payments_creditrefund refused: credit refunds are append-only', TG_OP
        USING ERRCODE = 'PY001';
END;
$$;

CREATE TRIGGER credit_refund_frozen BEFORE UPDATE OR DELETE ON payments_creditrefund
    FOR EACH ROW EXECUTE FUNCTION payments_credit_refund_frozen();
