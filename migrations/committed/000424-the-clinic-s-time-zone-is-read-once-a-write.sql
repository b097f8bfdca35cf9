--! Previous: sha1:77494ec56e9a58abcde556c4763584ec569cee7c
--! Hash: sha1:c7a8cd41cf880517becb8668b3ccf0cc9802a247
--! Message: The clinic's time zone is read once a write

-- The clinic's time zone is read once a write
--
-- 000417 had a write's turn set the transaction's time zone again once taken; the statement opening the transaction
-- had read it already. The API's statement opening a write no longer reads it (server/pg-transaction.ts): the turn's
-- is the one read. The table's comment says who reads it.
comment on table app_hidden.clinic_time_zone is 'Each clinic''s time zone, kept by a trigger on clinic: what an API transaction sets as its TimeZone, read by the login role in the statement that opens a read, and by take_clinic_write_turn once a write''s turn to write has come (000417; a write''s opening statement reads it not, 000424).';
