#!/bin/sh
# dialup ports over a fake sysfs and /dev: libserialport's real code and ours read a tree
# built here, inside a private mount namespace (unshare -m), so nothing on this machine is
# touched and the listing is the same on every machine. The tree: a USB modem with two
# usb-serial interfaces (ttyUSB0 if 00, ttyUSB1 if 02), a CDC-ACM modem (ttyACM0), a
# Bluetooth rfcomm0, a ttyS0 with a UART and a ttyS4 without one (sysfs type 0), a virtual
# tty0 (never listed); /dev/serial/by-id and by-path links; lock files: a live holder (this
# test's sleep), a stale pid, garbage, an oversized file. The port nodes are regular files,
# so no real device is reachable through them, and strace proves that no port is opened.
#
# Usage: port_enumeration_test.sh path/to/dialup. Needs root, unshare(1) and strace(1)
# (scripts/install-deps.sh interop); without them it fails, saying why: it never skips.
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "${DIALUP_PORTS_TEST_INNER:-}" != 1 ]; then
  [ $# -eq 1 ] || fail "usage: $0 path/to/dialup"
  dialup=$(readlink -f "$1")
  [ -x "$dialup" ] || fail "$1 is not an executable"
  [ "$(id -u)" -eq 0 ] || fail "needs root (a private mount namespace with tmpfs mounts)"
  command -v unshare >/dev/null || fail "unshare(1) is not installed (util-linux)"
  command -v strace >/dev/null || fail "strace(1) is not installed (scripts/install-deps.sh interop)"
  unshare -m --propagation private true 2>/dev/null ||
    fail "unshare -m is not permitted here (needs CAP_SYS_ADMIN): the test cannot build its fake /sys"
  work=$(mktemp -d /tmp/dialup-ports-test.XXXXXX)
  status=0
  DIALUP_PORTS_TEST_INNER=1 unshare -m --propagation private sh "$0" "$dialup" "$work" || status=$?
  rmdir "$work" 2>/dev/null || true
  [ $status -eq 0 ] && echo "port_enumeration_test: all checks passed"
  exit $status
fi

# ---- inside the private mount namespace ----
dialup=$1
T=$2
mount -t tmpfs dialup-ports-test "$T"
sleep 300 &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT

S=$T/sys
usb=devices/pci0000:00/0000:00:14.0/usb1
mkdir -p "$S/class/tty" "$S/bus/usb/drivers/cdc_acm" "$S/bus/usb-serial/drivers/option1" \
  "$S/bus/platform/drivers/serial8250"
put() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }
usb_device() {  # dir vid pid manufacturer product serial bus dev
  put "$S/$1/idVendor" "$2"; put "$S/$1/idProduct" "$3"; put "$S/$1/manufacturer" "$4"
  put "$S/$1/product" "$5"; put "$S/$1/serial" "$6"; put "$S/$1/busnum" "$7"; put "$S/$1/devnum" "$8"
}
class_link() {  # name target-dir-under-sys (the tty class device)
  mkdir -p "$S/$2"
  put "$S/$2/dev" "0:0"
  ln -s "../../$2" "$S/class/tty/$1"
}

# A USB modem (usb-serial driver "option"): the tty's device is the usb-serial port
# ttyUSBn, whose parent is the interface with bInterfaceNumber.
usb_device "$usb/1-2" 1e0e 9001 "Acme Modems" "Acme USB Modem" AM0001 1 5
for i in 0:00:0 1:02:2; do
  n=${i%%:*}; rest=${i#*:}; ifn=${rest%%:*}; alt=${rest#*:}
  intf=$usb/1-2/1-2:1.$alt
  put "$S/$intf/bInterfaceNumber" "$ifn"
  mkdir -p "$S/$intf/ttyUSB$n"
  ln -s /sys/bus/usb-serial/drivers/option1 "$S/$intf/ttyUSB$n/driver"
  class_link "ttyUSB$n" "$intf/ttyUSB$n/tty/ttyUSB$n"
  ln -s ../../../ttyUSB$n "$S/$intf/ttyUSB$n/tty/ttyUSB$n/device"
done
# A CDC-ACM modem: the tty's device is the interface itself.
usb_device "$usb/1-3" 0572 1329 "Conexant" "USB Modem" 12345678 1 6
put "$S/$usb/1-3/1-3:1.0/bInterfaceNumber" 00
ln -s /sys/bus/usb/drivers/cdc_acm "$S/$usb/1-3/1-3:1.0/driver"
class_link ttyACM0 "$usb/1-3/1-3:1.0/tty/ttyACM0"
ln -s ../../../1-3:1.0 "$S/$usb/1-3/1-3:1.0/tty/ttyACM0/device"
# Bluetooth RFCOMM, bound to a connection of hci0 (a USB dongle: "bluetooth" wins).
bt=$usb/1-4/1-4:1.0/bluetooth/hci0/hci0:11
put "$S/$bt/address" "00:1a:7d:da:71:13"
class_link rfcomm0 "$bt/tty/rfcomm0"
ln -s ../../../hci0:11 "$S/$bt/tty/rfcomm0/device"
# 8250 UARTs: ttyS0 is there (type 4, 16550A), ttyS4 is one of the driver's placeholders.
mkdir -p "$S/devices/platform/serial8250"
ln -s /sys/bus/platform/drivers/serial8250 "$S/devices/platform/serial8250/driver"
for n in 0:4 4:0; do
  class_link "ttyS${n%%:*}" "devices/platform/serial8250/tty/ttyS${n%%:*}"
  put "$S/devices/platform/serial8250/tty/ttyS${n%%:*}/type" "${n#*:}"
  ln -s ../../../serial8250 "$S/devices/platform/serial8250/tty/ttyS${n%%:*}/device"
done
# A virtual console: not a port.
class_link tty0 devices/virtual/tty/tty0

D=$T/dev
mkdir -p "$D/serial/by-id" "$D/serial/by-path"
mknod "$D/null" c 1 3
for p in ttyUSB0 ttyUSB1 ttyACM0 rfcomm0 ttyS0 ttyS4 tty0; do : > "$D/$p"; done
ln -s ../../ttyUSB0 "$D/serial/by-id/usb-Acme_Modems_Acme_USB_Modem_AM0001-if00-port0"
ln -s ../../ttyUSB1 "$D/serial/by-id/usb-Acme_Modems_Acme_USB_Modem_AM0001-if02-port0"
ln -s ../../ttyACM0 "$D/serial/by-id/usb-Conexant_USB_Modem_12345678-if00"
ln -s ../../ttyUSB0 "$D/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0"
ln -s ../../ttyUSB1 "$D/serial/by-path/pci-0000:00:14.0-usb-0:2:1.2-port0"
ln -s ../../ttyACM0 "$D/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0"

L=$T/lock
mkdir -p "$L"
printf '%10d\n' "$holder" > "$L/LCK..ttyUSB0"
printf '%10d\n' 9999999 > "$L/LCK..rfcomm0"   # above any pid_max (2^22): always stale
printf 'garbage\n' > "$L/LCK..ttyACM0"
head -c 200 /dev/zero | tr '\0' 7 > "$L/LCK..ttyS0"

lockdir=$(readlink -f /var/lock)
[ -d "$lockdir" ] || fail "/var/lock ($lockdir) is not a directory"
mkdir -p "$T/out"
mount --bind "$S" /sys
mount --bind "$D" /dev
mount --bind "$L" "$lockdir"

out=$T/out
# LeakSanitizer refuses to run under ptrace (make asan): leaks are checked by the runs below.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -qq -e trace=open,openat,openat2 -o "$out/trace" "$dialup" ports --all --json > "$out/all.json"
"$dialup" ports --json > "$out/default.json"
"$dialup" ports > "$out/table.txt"

cat > "$out/expected.json" <<END
{"path":"/dev/rfcomm0","kind":"bluetooth","present":true,"description":"rfcomm0","vid":null,"pid":null,"manufacturer":"","product":"","serial":"","bus":null,"address":null,"interface":null,"driver":"","bluetooth_address":"00:1a:7d:da:71:13","by_id":"","by_path":"","held_by":{"state":"stale","pid":9999999}}
{"path":"/dev/ttyACM0","kind":"usb","present":true,"description":"USB Modem - 12345678","vid":"0572","pid":"1329","manufacturer":"Conexant","product":"USB Modem","serial":"12345678","bus":1,"address":6,"interface":0,"driver":"cdc_acm","bluetooth_address":"","by_id":"/dev/serial/by-id/usb-Conexant_USB_Modem_12345678-if00","by_path":"/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0","held_by":{"state":"unreadable"}}
{"path":"/dev/ttyS0","kind":"native","present":true,"description":"ttyS0","vid":null,"pid":null,"manufacturer":"","product":"","serial":"","bus":null,"address":null,"interface":null,"driver":"serial8250","bluetooth_address":"","by_id":"","by_path":"","held_by":{"state":"unreadable"}}
{"path":"/dev/ttyS4","kind":"native","present":false,"description":"ttyS4","vid":null,"pid":null,"manufacturer":"","product":"","serial":"","bus":null,"address":null,"interface":null,"driver":"serial8250","bluetooth_address":"","by_id":"","by_path":"","held_by":null}
{"path":"/dev/ttyUSB0","kind":"usb","present":true,"description":"Acme USB Modem - AM0001","vid":"1e0e","pid":"9001","manufacturer":"Acme Modems","product":"Acme USB Modem","serial":"AM0001","bus":1,"address":5,"interface":0,"driver":"option1","bluetooth_address":"","by_id":"/dev/serial/by-id/usb-Acme_Modems_Acme_USB_Modem_AM0001-if00-port0","by_path":"/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0","held_by":{"state":"held","pid":$holder,"program":"sleep"}}
{"path":"/dev/ttyUSB1","kind":"usb","present":true,"description":"Acme USB Modem - AM0001","vid":"1e0e","pid":"9001","manufacturer":"Acme Modems","product":"Acme USB Modem","serial":"AM0001","bus":1,"address":5,"interface":2,"driver":"option1","bluetooth_address":"","by_id":"/dev/serial/by-id/usb-Acme_Modems_Acme_USB_Modem_AM0001-if02-port0","by_path":"/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.2-port0","held_by":null}
END
grep -v '"/dev/ttyS4"' "$out/expected.json" > "$out/expected-default.json"

cat > "$out/expected-table.txt" <<END
PORT          KIND       USB ID     IF  DESCRIPTION                  SERIAL    BY-ID                                             HELD BY
/dev/rfcomm0  bluetooth  -          -   rfcomm0 [00:1a:7d:da:71:13]  -         -                                                 stale lock (9999999)
/dev/ttyACM0  usb        0572:1329  00  USB Modem                    12345678  usb-Conexant_USB_Modem_12345678-if00              unreadable lock
/dev/ttyS0    native     -          -   ttyS0                        -         -                                                 unreadable lock
/dev/ttyUSB0  usb        1e0e:9001  00  Acme USB Modem               AM0001    usb-Acme_Modems_Acme_USB_Modem_AM0001-if00-port0  $holder (sleep)
/dev/ttyUSB1  usb        1e0e:9001  02  Acme USB Modem               AM0001    usb-Acme_Modems_Acme_USB_Modem_AM0001-if02-port0  -
END

failed=0
check() {  # what expected actual
  if ! diff -u "$2" "$3" >&2; then echo "FAIL: $1 differs (above: - expected, + actual)" >&2; failed=1; else echo "ok: $1"; fi
}
check "dialup ports --all --json" "$out/expected.json" "$out/all.json"
check "dialup ports --json (ttyS4, no UART, hidden)" "$out/expected-default.json" "$out/default.json"
check "dialup ports (table)" "$out/expected-table.txt" "$out/table.txt"

# No port was opened: no open of anything under /dev but /dev/null and the /dev/serial
# directories (listed, O_DIRECTORY). sysfs, /proc and the lock files are read.
if grep -E 'open(at|at2)?\(.*"/dev/' "$out/trace" | grep -v -e '"/dev/null"' -e 'O_DIRECTORY' >&2; then
  echo "FAIL: dialup ports opened a device node (above)" >&2; failed=1
else
  echo "ok: no device node opened ($(grep -c 'open' "$out/trace") opens traced)"
fi
# The trace must have seen the sysfs reads, or it proves nothing.
grep -q '"/sys/class/tty/ttyUSB0/device/../../busnum"' "$out/trace" ||
  { echo "FAIL: the trace does not show libserialport's sysfs reads" >&2; failed=1; }

# No ports at all: a message, status 0.
mount -t tmpfs empty /sys
mkdir /sys/class
mkdir /sys/class/tty
msg=$("$dialup" ports 2>&1) || { echo "FAIL: dialup ports with no ports exited $?" >&2; failed=1; }
case $msg in
  "dialup: no serial ports found"*) echo "ok: no ports: $msg" ;;
  *) echo "FAIL: no ports gave: $msg" >&2; failed=1 ;;
esac
exit $failed
