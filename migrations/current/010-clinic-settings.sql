-- While this work is in migrations/current/ it is re-run on every change:
-- start the clinic domain from a clean slate each time.
drop table if exists app_public.visit_service, app_public.visit, app_public.patient,
  app_public.service_price, app_public.service cascade;
drop type if exists app_public.visit_status, app_public.sex cascade;

-- Clinic settings: the currency must be an ISO 4217 code in use.

create or replace function app_public.is_valid_currency(code text) returns boolean
language sql immutable
as $$
  select code = any ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BRL,BSD,BTN,BWP,BYN,BZD,
    CAD,CDF,CHF,CLP,CNY,COP,CRC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GYD,
    HKD,HNL,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LYD,
    MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,PYG,
    QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TND,TOP,TRY,TTD,TWD,
    TZS,UAH,UGX,USD,UYU,UZS,VES,VND,VUV,WST,XAF,XCD,XCG,XOF,XPF,YER,ZAR,ZMW,ZWG}'::text[]);
$$;
comment on function app_public.is_valid_currency(text) is 'True when `code` is an ISO 4217 currency code in circulation, e.g. TZS or KES.';

alter table app_public.clinic drop constraint if exists clinic_currency_check;
alter table app_public.clinic add constraint clinic_currency_check check (app_public.is_valid_currency(currency));
