DROP TRIGGER IF EXISTS customer_name_words_update ON billing_customer;
DROP TRIGGER IF EXISTS customer_name_words_insert ON billing_customer;
DROP FUNCTION IF EXISTS billing_name_words_collect();
