--! Previous: sha1:e9797e1b0e668a8d1f79a7cf6983dd7a10e67a51
--! Hash: sha1:b8f6e3329f20d4a4eda078cd10a2b3c61e5d9188
--! Message: An IPv4 client seen through IPv6 is counted as its IPv4 address itself: its failures as one form no longer leave it free in the other

-- An IPv4 client seen through IPv6 (::ffff:a.b.c.d, or NAT64's 64:ff9b::a.b.c.d) is counted as its IPv4
-- address itself: it was counted as the IPv6 address that carries it, so 20 failures from 10.77.0.1 left
-- ::ffff:10.77.0.1 free to try again (an attacker; auth.md said it was the IPv4 address).
create or replace function app_hidden.throttled_network(ip inet) returns inet
language sql immutable parallel safe set search_path = pg_catalog, public, pg_temp
as $$
  select case
    when family(ip) = 4 then ip
    -- the 32 bits after the prefix, as the IPv4 address they are
    when ip <<= inet '::ffff:0:0/96' then inet '0.0.0.0' + (ip - inet '::ffff:0:0')
    when ip <<= inet '64:ff9b::/96' then inet '0.0.0.0' + (ip - inet '64:ff9b::')
    else network(set_masklen(ip, 64))
  end;
$$;
comment on function app_hidden.throttled_network(inet) is 'What failed logins are counted by: an IPv4 address (also one IPv4-mapped or NAT64 in IPv6, as a server listening on IPv6 sees IPv4 clients: counted as that IPv4 address), or the /64 network of an IPv6 one (a client chooses its address within the /64 it is given).';
