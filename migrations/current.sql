-- A payment saved back as it is keeps its stamps: its generated amount_thousandths is left out of the comparison
--
-- 000451 made payment.amount_thousandths a generated column, but did not give it to the payment's
-- _999_unchanged_keeps_stamps, which compares the row before and after without the table's generated columns (null in
-- `new` in a before trigger, computed after it: 000414). Every update of a payment then read as a change: a payment's
-- method and reference saved back as they were (updatePayment sent again, a form saved unchanged) moved its updated_at
-- and updated_by to whoever saved it, with no audit entry of theirs (the audit log, after the row, saw nothing change).
-- keep_stamps_of_unchanged_rows makes the trigger again on every stamped table with its generated columns, as a
-- migration that adds a generated column to a stamped table runs it.
select app_private.keep_stamps_of_unchanged_rows();
