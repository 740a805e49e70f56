#!/bin/sh
# Builds cn=config and the directory from the mounted secrets, then runs slapd in the foreground.
#   /run/hd-ldap/admin-password   password of cn=admin,dc=sandbox,dc=test (Harbor's ldap_search_dn)
#   /run/hd-ldap/user-password    password of the seeded users (uid=dev1, uid=dev2)
#   /run/hd-ldap/tls/server-chain.crt, server.key   the ldaps:// certificate (leaf first) and key
# Passwords reach slappasswd as files (-T), never as arguments.
set -eu
S=/run/hd-ldap
for f in admin-password user-password tls/server-chain.crt tls/server.key; do
  [ -r "$S/$f" ] || { echo "hd-ldap: missing $S/$f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# slappasswd hashes the whole file: strip the trailing newline first.
tr -d '\n' < "$S/admin-password" > "$tmp/a"
tr -d '\n' < "$S/user-password" > "$tmp/u"
admin_hash=$(slappasswd -h '{SSHA}' -T "$tmp/a")
user_hash=$(slappasswd -h '{SSHA}' -T "$tmp/u")
rm -rf /etc/ldap/slapd.d/* /var/lib/ldap/*
sed "s|@ADMIN_HASH@|$admin_hash|" /usr/local/share/hd-ldap/config.ldif.in > "$tmp/config.ldif"
sed "s|@USER_HASH@|$user_hash|" /usr/local/share/hd-ldap/directory.ldif.in > "$tmp/directory.ldif"
slapadd -q -n 0 -F /etc/ldap/slapd.d -l "$tmp/config.ldif"
slapadd -q -n 1 -F /etc/ldap/slapd.d -l "$tmp/directory.ldif"
rm -rf "$tmp"
trap - EXIT
# -d stats: connections, binds (DNs, never passwords) and searches to the container log.
exec slapd -d stats -h 'ldap:/// ldaps:///' -F /etc/ldap/slapd.d
