--! Previous: sha1:56245813c2efa63f77652305c182e489be5a25f5
--! Hash: sha1:6e576a48180c3e0f411a94254fd1b876101c716a
--! Message: a visit's reasons say something

-- A visit's reasons say something.
--
-- 000169 made a refund's, a void's and a reopened day's reason one that says something: nothing
-- visible in it, as a name is read (name_as_meant), is no reason. A visit's cancel reason still went
-- through text_or_null alone, so a cancellation whose reason was a zero-width joiner, a soft hyphen
-- or a Hangul filler was taken. A visit's reasons, the booking's and the cancellation's, are read as
-- the others are: one with nothing visible is none (and a cancellation without one is refused, as
-- tg_visit__lifecycle refuses it); one that says something is kept as written, without the white
-- space around it.

create or replace function app_private.tg_visit__reasons_trimmed() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.reason is distinct from old.reason then
    new.reason := case when coalesce(app_hidden.name_as_meant(new.reason), '') <> '' then app_hidden.text_or_null(new.reason) end;
  end if;
  if tg_op = 'INSERT' or new.cancel_reason is distinct from old.cancel_reason then
    new.cancel_reason := case when coalesce(app_hidden.name_as_meant(new.cancel_reason), '') <> '' then app_hidden.text_or_null(new.cancel_reason) end;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__reasons_trimmed() is
  'Trigger: a visit''s reason and cancel reason without the white space around them; one with nothing visible in it (as name_as_meant reads text: white space, joiners, fillers, control characters) is none. As they are written only.';
