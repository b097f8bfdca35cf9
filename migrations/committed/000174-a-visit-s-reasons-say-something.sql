--! Previous: sha1:56245813c2efa63f77652305c182e489be5a25f5
--! Hash: sha1:d99683bb2c522efcb326ad9ddbd1db6407b26d4b
--! Message: a visit's reasons say something

-- A visit's reasons say something.
--
-- 000169 made a refund's, a void's and a reopened day's reason one that says something: nothing
-- visible in it, as a name is read (name_as_meant), is no reason. A visit's cancel reason still went
-- through text_or_null alone, so a cancellation whose reason was a zero-width joiner, a soft hyphen
-- or a Hangul filler was taken. A visit's reasons, the booking's and the cancellation's, are read as
-- the others are, by one helper (reason_or_null): one with nothing visible is none (and a cancellation without one is refused, as
-- tg_visit__lifecycle refuses it); one that says something is kept as written, without the white
-- space around it.

create or replace function app_hidden.reason_or_null(reason text) returns text
language sql immutable parallel safe as $$
  select case when coalesce(app_hidden.name_as_meant(reason), '') <> '' then app_hidden.text_or_null(reason) end;
$$;
comment on function app_hidden.reason_or_null(reason text) is
  'A reason as it is kept: without the white space around it (text_or_null); null when nothing in it is visible, as name_as_meant reads text (white space, joiners, fillers, control characters).';

create or replace function app_private.tg_visit__reasons_trimmed() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.reason is distinct from old.reason then
    new.reason := app_hidden.reason_or_null(new.reason);
  end if;
  if tg_op = 'INSERT' or new.cancel_reason is distinct from old.cancel_reason then
    new.cancel_reason := app_hidden.reason_or_null(new.cancel_reason);
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__reasons_trimmed() is
  'Trigger: a visit''s reason and cancel reason as reasons are kept (reason_or_null): without the white space around them, none when nothing in them is visible. As they are written only.';
