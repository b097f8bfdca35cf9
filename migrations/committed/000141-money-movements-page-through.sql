--! Previous: sha1:1384ce44ee7fbb9c52089882f1ca8fd0105cdb16
--! Hash: sha1:87b239a8c9de09fc933d107dccf672453ac443af
--! Message: money movements page through

-- Money movements page through: the view had no key, so the API handed out a cursor for the next
-- page of a day's cash-up and then refused it as INTERNAL ("Can only use 'after' cursor when there
-- is a unique defined order"), and `last` counted its natural order from the wrong end. A movement is
-- its clinic, kind and id; the list comes in the order the money moved.
comment on view app_public.money_movement is E'@behavior +connection -list\n@primaryKey clinic_id,kind,movement_id\n@defaultOrderBy MOVED_AT_ASC,CODE_ASC\n@foreignKey (clinic_id,invoice_id) references app_public.invoice (clinic_id,id)|@fieldName invoice|@foreignFieldName moneyMovements\n@foreignKey (clinic_id,payment_id) references app_public.payment (clinic_id,id)|@fieldName payment|@foreignFieldName moneyMovements\nEvery payment (positive) and refund (negative) with its business day, method, code, time and the invoice''s doctor: sum `amount` for net revenue, list them for a cash-up (in the order the money moved, page after page). Visible to those who handle money.';
