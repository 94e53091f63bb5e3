-- A penalty or interest rule that a bill on file falls under (a bill of its type whose due date
-- is in its effective dates) keeps its terms: a change of the law is a new rule effective from a
-- date. Its description may change, and its end may move earlier, as long as no bill on file
-- leaves it. Its end never moves later, nor is it cleared: a later version may already be in
-- effect from the day after, and bills falling due then would follow both versions.
-- A rule no bill falls under may be changed or deleted. SQLSTATE BL010.

CREATE OR REPLACE FUNCTION billing_penalty_rule_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    used bigint;
    leaving bigint;
BEGIN
    SELECT count(*) INTO used
      FROM billing_bill b
     WHERE b.bill_type = OLD.bill_type
       AND b.due_date >= OLD.effective_from
       AND (OLD.effective_to IS NULL OR b.due_date <= OLD.effective_to);
    IF used = 0 THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'penalty rule % is used by % bill(s) and cannot be deleted; end it instead',
            OLD.id, used USING ERRCODE = 'BL010';
    END IF;
    IF (NEW.bill_type, NEW.kind, NEW.percent, NEW.amount, NEW.days, NEW.month, NEW.day,
        NEW.extend_to_business_day, NEW.effective_from)
       IS DISTINCT FROM
       (OLD.bill_type, OLD.kind, OLD.percent, OLD.amount, OLD.days, OLD.month, OLD.day,
        OLD.extend_to_business_day, OLD.effective_from) THEN
        RAISE EXCEPTION 'penalty rule % is used by % bill(s): its terms cannot change; add a new '
            'rule effective from the date the change takes effect', OLD.id, used
            USING ERRCODE = 'BL010';
    END IF;
    IF OLD.effective_to IS NOT NULL
       AND (NEW.effective_to IS NULL OR NEW.effective_to > OLD.effective_to) THEN
        RAISE EXCEPTION 'penalty rule % is used by % bill(s) and ended on %: its end cannot move '
            'later or be cleared; add a new rule effective from the day after', OLD.id, used,
            OLD.effective_to USING ERRCODE = 'BL010';
    END IF;
    IF NEW.effective_to IS NOT NULL THEN
        SELECT count(*) INTO leaving
          FROM billing_bill b
         WHERE b.bill_type = OLD.bill_type
           AND b.due_date > NEW.effective_to
           AND b.due_date >= OLD.effective_from
           AND (OLD.effective_to IS NULL OR b.due_date <= OLD.effective_to);
        IF leaving > 0 THEN
            RAISE EXCEPTION 'penalty rule % cannot end on %: % bill(s) on file falling due after '
                'that day follow it', OLD.id, NEW.effective_to, leaving USING ERRCODE = 'BL010';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
