--! Previous: sha1:18184a2597792f59d160742d1247be1c640fc6de
--! Hash: sha1:d7863ad68b785f1cd54a25cb7863d5836a8b28df
--! Message: a visit's invoice named, an invoice's unknown patient not found, and no decimals for what is no currency

-- Refusals that name the first thing wrong, and what to do.
--
-- A second invoice for a visit was CONFLICT "This visit already has an invoice." (the index
-- invoice_one_live_per_visit), and the cashier had to find which (a clinic's day, as its staff): the
-- refusal names it, with its status, and says what to do ("… INV-000006 (paid): to bill the visit
-- again, void that one first, its payments refunded."). Two made at the very same moment still meet
-- the index, which names none.
--
-- A hand-made invoice given a visit and a patient who is not the clinic's (a random id, another
-- clinic's patient) was INVALID_INPUT "This visit is another patient's: bill the patient of the
-- visit.", where the same invoice without its visit is NOT_FOUND "No such patient in your clinic." (a
-- fuzzer of the API): the patient is looked for first.
--
-- A clinic's currency set to null, once the clinic had invoices, was "The currency cannot change
-- once the clinic has invoices: its totals would add TZS to <NULL>.": is_valid_currency(null) was
-- null, and the trigger that keeps the currency read on; null is no currency (false), so the
-- trigger leaves it to the column, "A required value is missing: currency.". And currencyDecimals
-- of what is no currency (XXXX, jpy, null) answered 2: it answers null, as it has no minor unit.

create or replace function app_private.tg_invoice__defaults() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    if not found then
      raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
    elsif v_visit.status in ('cancelled', 'no_show') then
      raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
    elsif new.patient_id is distinct from v_visit.patient_id then
      if new.patient_id is not null and not exists (select from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id) then
        raise exception 'No such patient in your clinic.' using errcode = 'CNOTF';
      end if;
      raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
    end if;
    select * into v_live from app_public.invoice i where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' limit 1;
    if found then
      raise exception 'This visit already has an invoice, % (%): %', v_live.code, replace(v_live.status::text, '_', ' '),
        case when v_live.status = 'draft' then 'bill the visit''s services added since on it (billUnbilledServices), or add lines to it.' else 'to bill the visit again, void that one first, its payments refunded.' end
        using errcode = 'CCONF';
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;

comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate; one that bills a visit (made from it, or by hand with its visit) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with a live invoice CONFLICT naming it (invoice_one_live_per_visit refuses two made at the same moment).';

create or replace function app_public.is_valid_currency(code text) returns boolean
language sql immutable
as $$
  select coalesce(code = any ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BRL,BSD,BTN,BWP,BYN,BZD,
    CAD,CDF,CHF,CLP,CNY,COP,CRC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GYD,
    HKD,HNL,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LYD,
    MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,PYG,
    QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TND,TOP,TRY,TTD,TWD,
    TZS,UAH,UGX,USD,UYU,UZS,VES,VND,VUV,WST,XAF,XCD,XCG,XOF,XPF,YER,ZAR,ZMW,ZWG}'::text[]), false);
$$;
comment on function app_public.is_valid_currency(text) is 'True when `code` is an ISO 4217 currency code in circulation, in capitals, e.g. TZS or KES; false for anything else, null included.';

create or replace function app_public.currency_decimals(code text) returns smallint
language sql immutable parallel safe
as $$
  select case
    when not app_public.is_valid_currency(code) then null
    when code = any ('{BIF,CLP,DJF,GNF,ISK,JPY,KMF,KRW,PYG,RWF,UGX,VND,VUV,XAF,XOF,XPF}'::text[]) then 0
    when code = any ('{BHD,IQD,JOD,KWD,LYD,OMR,TND}'::text[]) then 3
    else 2
  end::smallint;
$$;
comment on function app_public.currency_decimals(text) is 'How many decimals amounts in this ISO 4217 currency have (its minor unit): 0 for JPY, 3 for KWD, 2 for most; null for what is no currency in circulation (is_valid_currency).';
