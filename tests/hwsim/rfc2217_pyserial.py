#!/usr/bin/env python3
"""A real third-party RFC 2217 client (pySerial, Debian package python3-serial) against
one hw-sim modem served with simulator::serve_rfc2217.

    rfc2217_pyserial.py PORT PTY_OF_SECOND_MODEM

Checks: the Telnet/COM-PORT negotiation and the port settings pySerial insists on having
acknowledged; DTR/RTS set from the client; DSR/CTS on and DCD off before a call; an
incoming call (the second modem, on its pty, dials 5551000) raises RI during the ring
burst; ATA; CONNECT with DCD on; data both ways; DTR dropped by the client hangs up
(&D2) so the other side sees NO CARRIER and DCD goes off. Exit 0 on success, else a
message and exit 1."""
import os
import sys
import termios
import time

import serial

port, other_pty = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def expect(read, what, timeout=10.0):
    buf = b""
    end = time.time() + timeout
    while time.time() < end:
        buf += read()
        if what in buf:
            return buf
    fail("waited for %r, got %r" % (what, buf))


def wait_state(pred, what, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.01)
    fail("modem state: " + what)


s = serial.serial_for_url("rfc2217://127.0.0.1:%s" % port, baudrate=115200, timeout=0.05)
s.dtr = True
s.rts = True
rd = lambda: s.read(256)

s.write(b"ATZ\r")
expect(rd, b"OK\r\n")
s.write(b"AT&C1&D2\r")
expect(rd, b"OK\r\n")
wait_state(lambda: s.dsr and s.cts, "DSR and CTS on")
wait_state(lambda: not s.cd, "DCD off with &C1 and no call")
if s.ri:
    fail("RI on with no call")

# The second modem, on its pty, calls this one.
fd = os.open(other_pty, os.O_RDWR | os.O_NOCTTY)
t = termios.tcgetattr(fd)
t[0] = 0
t[1] = 0
t[3] = 0
t[2] |= termios.CS8 | termios.CREAD | termios.CLOCAL
termios.tcsetattr(fd, termios.TCSANOW, t)
os.set_blocking(fd, False)


def rd_other():
    time.sleep(0.01)
    try:
        return os.read(fd, 256)
    except BlockingIOError:
        return b""


os.write(fd, b"ATDT5551000\r")
expect(rd, b"RING")
wait_state(lambda: s.ri, "RI on during the ring burst")
s.write(b"ATA\r")
expect(rd, b"CONNECT")
expect(rd_other, b"CONNECT")
wait_state(lambda: s.cd, "DCD on when connected")
wait_state(lambda: not s.ri, "RI off once answered")

s.write(b"hello from pyserial")
expect(rd_other, b"hello from pyserial")
os.write(fd, b"hello from the pty")
expect(rd, b"hello from the pty")

# DTR drop from the client: &D2 hangs up.
s.dtr = False
expect(rd_other, b"NO CARRIER")
wait_state(lambda: not s.cd, "DCD off after the DTR drop")
s.dtr = True
s.write(b"AT\r")
expect(rd, b"OK\r\n")
s.close()
os.close(fd)
print("pyserial rfc2217: all checks passed")
