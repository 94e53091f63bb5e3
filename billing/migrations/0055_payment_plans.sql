-- Payment plans (RPTL 1184): a plan's schedule, its bills and its cancellation are never edited; the plan row
-- changes only its status, and never back to active; a bill is in at most one active plan;
-- a plan's installments add up to its total (checked at commit).

CREATE OR REPLACE FUNCTION billing_plan_rows_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: a payment plan''s schedule and bills are never edited',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'BL003';
END;
$$;

CREATE TRIGGER plan_installment_append_only
    BEFORE UPDATE OR DELETE ON billing_planinstallment
    FOR EACH ROW EXECUTE FUNCTION billing_plan_rows_append_only();

CREATE TRIGGER plan_bill_append_only
    BEFORE UPDATE OR DELETE ON billing_planbill
    FOR EACH ROW EXECUTE FUNCTION billing_plan_rows_append_only();

CREATE TRIGGER plan_cancellation_append_only
    BEFORE UPDATE OR DELETE ON billing_plancancellation
    FOR EACH ROW EXECUTE FUNCTION billing_plan_rows_append_only();

CREATE OR REPLACE FUNCTION billing_plan_status_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'DELETE on billing_paymentplan refused: a plan is cancelled, not deleted'
            USING ERRCODE = 'BL003';
    END IF;
    IF (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status') THEN
        RAISE EXCEPTION 'UPDATE on billing_paymentplan refused: only its status changes'
            USING ERRCODE = 'BL003';
    END IF;
    -- completed goes back to active only when a void reopens a bill the plan paid
    IF OLD.status = 'cancelled' AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'UPDATE on billing_paymentplan refused: plan % is already %',
            OLD.number, OLD.status USING ERRCODE = 'BL003';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payment_plan_status_only
    BEFORE UPDATE OR DELETE ON billing_paymentplan
    FOR EACH ROW EXECUTE FUNCTION billing_plan_status_only();

-- Late charges and plan payments: only `undone_by` is ever set, once.
CREATE OR REPLACE FUNCTION billing_plan_money_undone_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       OR OLD.undone_by_id IS NOT NULL
       OR (to_jsonb(NEW) - 'undone_by_id') IS DISTINCT FROM (to_jsonb(OLD) - 'undone_by_id') THEN
        RAISE EXCEPTION '% on % refused: it is only ever marked undone, once',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'BL003';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER plan_charge_undone_only
    BEFORE UPDATE OR DELETE ON billing_plancharge
    FOR EACH ROW EXECUTE FUNCTION billing_plan_money_undone_only();

CREATE TRIGGER plan_payment_undone_only
    BEFORE UPDATE OR DELETE ON billing_planpayment
    FOR EACH ROW EXECUTE FUNCTION billing_plan_money_undone_only();

-- A bill is in at most one active plan. Enrolment locks the bills first, so two enrolments of
-- one bill take turns and the second sees the first.
CREATE OR REPLACE FUNCTION billing_plan_bill_one_active() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other text;
BEGIN
    SELECT p.number INTO other
      FROM billing_planbill pb JOIN billing_paymentplan p ON p.id = pb.plan_id
     WHERE pb.bill_id = NEW.bill_id AND pb.plan_id <> NEW.plan_id AND p.status = 'active'
     LIMIT 1;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION 'bill % is already in active payment plan %', NEW.bill_id, other
            USING ERRCODE = 'BL003';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER plan_bill_one_active_plan
    BEFORE INSERT ON billing_planbill
    FOR EACH ROW EXECUTE FUNCTION billing_plan_bill_one_active();

-- At commit: a plan's installments add up to its total, and it has its monthly installments.
CREATE OR REPLACE FUNCTION billing_plan_installments_add_up() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    plan billing_paymentplan%ROWTYPE;
    scheduled numeric;
    monthly integer;
BEGIN
    SELECT * INTO plan FROM billing_paymentplan WHERE id = NEW.plan_id;
    SELECT coalesce(sum(amount), 0), count(*) FILTER (WHERE number > 0)
      INTO scheduled, monthly
      FROM billing_planinstallment WHERE plan_id = NEW.plan_id;
    IF scheduled <> plan.total OR monthly <> plan.installment_count THEN
        RAISE EXCEPTION 'payment plan %: % monthly installments adding up to %, not % and %',
            plan.number, monthly, scheduled, plan.installment_count, plan.total
            USING ERRCODE = 'BL003';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER plan_installments_add_up
    AFTER INSERT ON billing_planinstallment
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION billing_plan_installments_add_up();
