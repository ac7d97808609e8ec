# rempart-check profile: rules shared by every Rempart deployment.
# Grammar (docs/check.md):
#   na        CHECK-GLOB  REASON      row reported N/A (does not count)
#   advisory  CHECK-GLOB  [REASON]    a FAIL is shown but does not fail the run
#   required  CHECK-GLOB              a FAIL fails the run (the default)
#   allow     CHECK-GLOB  PATH-GLOB  REASON   exempt a path from a per-file check
#   enforce   CHECK-GLOB  PATH-GLOB  [REASON] never exempt these paths
#   include   FILE                    rules of another profile (same directory)
# Later rules win. A waiver always says why.

# Our own programs are built by us with every hardening flag: no exemption.
enforce elf.*  /usr/bin/rempart*       built by Rempart (meson.build hardening flags)
enforce elf.*  /usr/sbin/rempart*      built by Rempart
enforce elf.*  /usr/lib/rempart        built by Rempart
enforce elf.*  /usr/libexec/rempart*   built by Rempart

# Debian's binaries: Debian 12 builds PIE, RELRO, non-executable stacks,
# -fstack-protector-strong and _FORTIFY_SOURCE=2 by default, but BIND_NOW
# only for packages that opt in (hardening=+bindnow). We do not rebuild
# Debian, so a missing BIND_NOW (lazy binding: GOT writable after RELRO)
# is accepted there; every other property stays required.
allow   elf.bindnow  /usr/*  Debian package built without -z now (dpkg-buildflags default); not rebuilt by Rempart
allow   elf.bindnow  /lib/*  Debian package built without -z now (merged-/usr alias)

# The stack protector and FORTIFY are visible only through symbols: a file
# with no protected function or no fortifiable call looks the same as an
# unprotected one, so these are advisory (shown, never fatal).
advisory elf.ssp      detectable only through __stack_chk_fail references
advisory elf.fortify  detectable only through __*_chk references

# The POSIX shell stays (system(3), ExecStart=/bin/sh -c of Debian units);
# see docs/hardening.md "Interpreters" for the residual risk.
allow   interp.none  /usr/bin/dash  POSIX shell kept for system(3) and Debian units; no other interpreter ships
allow   interp.none  /usr/bin/sh    symlink to dash
allow   interp.none  /bin/sh        symlink to dash (merged /usr)
allow   interp.none  /bin/dash      merged /usr alias of /usr/bin/dash
