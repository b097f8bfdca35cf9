--! Previous: sha1:5c688e43eed382fd4d86a4c1d7059abbd7b42a66
--! Hash: sha1:5630ab522f57d9c969cdf69645dfa0177a572ca0
--! Message: An export is marked done only by the attempt it is the work of, and .part files no attempt writes are swept

-- An export is marked done only by the attempt it is the work of; .part files no attempt writes are swept.
--
-- One attempt runs an export at a time (an advisory lock, report_export_attempt), but an attempt may outlive its
-- turn: its worker stopped (the job handed back) or stuck for graphile-worker's 4 hours, and the next attempt,
-- after waiting 30 s, fails, or runs once the lock is gone with its connection. Such an attempt marked the export
-- done when it ended, whatever it had become: failed by the last attempt (then "done" with that failure's error,
-- the clinic told twice), or another attempt's, its file put in place under the other's. Each attempt now takes
-- the export with an id of its own, and only that attempt marks it done (its file renamed into place in the same
-- transaction) or tells of its failure.

alter table app_public.report_export add column if not exists attempt_id uuid;
comment on column app_public.report_export.attempt_id is E'@behavior -*\nThe attempt of report_export__produce the export is the work of, set as the attempt takes it: only that attempt marks it done, its file then put in place, or tells of its failure; one that outlived its turn (its worker stopped or stuck, another attempt since) drops what it wrote.';

comment on function app_private.fail_abandoned_exports() is 'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), and returns them. Called by report_export__expire, which then removes the .part files of every export no attempt writes any more.';
