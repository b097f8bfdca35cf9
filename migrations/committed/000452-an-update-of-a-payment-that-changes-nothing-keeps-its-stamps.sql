--! Previous: sha1:6c3038d8a216409eb5b44003363c4bf406793831
--! Hash: sha1:9cb3597a9e31d5dae796b4c5ad71fb3384220d8f
--! Message: An update of a payment that changes nothing keeps its stamps

-- An update of a payment that changes nothing keeps its stamps, its amount's key left out of the comparison
--
-- 000451 gave the payment a generated column (amount_thousandths), which PostgreSQL computes after the before
-- triggers: null in `new` where _999_unchanged_keeps_stamps compares the row with the old one, so a payment's form
-- sent back as it was (its method and reference unchanged) moved its updated_at and updated_by, though the audit log
-- wrote no entry of it. The trigger is made again with the table's generated columns as its arguments, as for every
-- stamped table (keep_stamps_of_unchanged_rows, 000414).
select app_private.keep_stamps_of_unchanged_rows();
