-- Keep billing_nameword holding every word of every customer's name (the lookup matches a
-- mistyped word against these). One statement-level trigger per insert or update: an import
-- of 50,000 customers adds its words in one INSERT ... SELECT.
CREATE OR REPLACE FUNCTION billing_name_words_collect() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_nameword (word)
    SELECT DISTINCT w FROM new_rows, unnest(new_rows.name_words) AS w WHERE w <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER customer_name_words_insert
    AFTER INSERT ON billing_customer REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_name_words_collect();

CREATE TRIGGER customer_name_words_update
    AFTER UPDATE ON billing_customer REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_name_words_collect();

INSERT INTO billing_nameword (word)
SELECT DISTINCT w FROM billing_customer, unnest(name_words) AS w WHERE w <> ''
ON CONFLICT DO NOTHING;
