--! Previous: sha1:996506bb74647fa01c45be6f256eaed8db354f30
--! Hash: sha1:522facd7f01a1d307fe3aff3ee3e5ae4c918e2ee
--! Message: visits ordered by status, in the lifecycle's order

-- Visits are ordered by status, in the lifecycle's order (scheduled, checked in, in progress,
-- completed, then cancelled and no-show): a front desk's queue, who waits first and who is done
-- last. A list could be filtered by status but not ordered by it, and the screen sorted it itself.
-- (A day's visits of a clinic are read by its index of clinic, status and time.)

comment on column app_public.visit.status is E'@behavior +orderBy\nscheduled, checked_in, in_progress, completed, cancelled or no_show; only the lifecycle''s transitions are accepted. Ordered in the lifecycle''s order (STATUS_ASC: scheduled first, then checked in, in progress, completed, cancelled, no-show).';
