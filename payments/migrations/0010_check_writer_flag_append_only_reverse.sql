DROP TRIGGER IF EXISTS check_writer_flag_append_only ON payments_checkwriterflag;
DROP FUNCTION IF EXISTS payments_check_writer_flag_frozen();
