#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/), one file per seed.

Each seed follows its target's input layout (see the comment at the top of each
tests/fuzz/*_fuzz.cpp). Run from anywhere; rerun after changing a layout. Inputs the
fuzzers find in CI are not kept here; a crash found becomes a vector in the target's
replay test instead.
"""
import os, pathlib

here = pathlib.Path(__file__).resolve().parent
out = here / "corpus"

def write(target, seeds):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        f.unlink()
    for i, s in enumerate(seeds):
        (d / f"seed-{i:02d}").write_bytes(s)

# at_parser: byte 0 options (bit 0 numeric codes, bit 1 long lines), then modem output.
at = [
    b"\x02ATZ\r\r\nOK\r\n",
    b"\x02\r\nOK\r\n\r\nRING\r\n\r\nNO CARRIER\r\n",
    b"\x02ATDT5550100\r\r\nCARRIER 33600\r\n\r\nPROTOCOL: LAPM\r\n\r\nCONNECT 33600/ARQ/V34/LAPM/V42BIS\r\nlogin: ",
    b"\x02\r\nBUSY\r\n\r\nNO DIALTONE\r\n\r\nNO ANSWER\r\n\r\nVOICE\r\n\r\nDELAYED\r\n\r\nBLACKLISTED\r\n",
    b"\x02AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n\r\n+CME ERROR: 10\r\n\r\nERROR\r\n",
    b"\x03ATZ\r0\r",
    b"\x030\r2\r3\r7\r1\r",
    b"\x00\r\nOK\r\nthis line is longer than eight\r\n",
    b"\x02ATI3\r\r\nU.S. Robotics 56K FAX EXT V4.6.4\r\n\r\nOK\r\n",
]
write("at_parser_fuzz", at)

# hwsim_modem: byte 0 personality (low 2 bits), bit 4 start in a call, bit 5 modem 1
# auto-answers; then ops: op % 8 in 0..3 feeds (op / 8 % 32 + 1) bytes to modem op % 2,
# 4 lets time pass (next byte), 5 toggles DTR, 6 drops the carrier / retrains, 7 silence/tone.
def feed(modem, data):
    b = bytearray()
    while data:
        chunk, data = data[:32], data[32:]
        b.append(((len(chunk) - 1) << 3) | (modem & 1))
        b += chunk
    return bytes(b)

def wait(v, long=True):
    return bytes([4 | (0x80 if long else 0), v])

hw = [
    b"\x00" + feed(0, b"ATZ\r") + wait(5) + feed(0, b"ATE1V1Q0X4&C1&D2S0=0\r") + wait(5),
    b"\x00" + feed(0, b"ATDT5550100\r") + wait(255) + wait(255) + feed(0, b"hello") + wait(10)
        + wait(6) + feed(0, b"+++") + wait(10) + feed(0, b"ATH\r") + wait(5),
    b"\x11" + feed(0, b"data in a call") + bytes([5]) + wait(20) + bytes([5]),
    b"\x12" + bytes([6]) + wait(20) + feed(0, b"ATS10?\r") + wait(5),
    b"\x20" + feed(0, b"ATDT5551001\r") + wait(255) + wait(255) + wait(255),
    b"\x01" + feed(0, b"AT&F&W\rATZ\rATI0\rATI3\rATI6\r") + wait(20),
    b"\x03" + feed(0, b"AT+CGDCONT=1,\"IP\",\"internet\"\rATD*99#\r") + wait(255),
    b"\x02" + feed(0, b"ATDT5550110\r") + wait(200) + bytes([7]) + feed(0, b"ATDT5550100\r") + wait(100),
    b"\x00" + bytes([0x87]) + feed(0, b"ATZ\r") + wait(100) + bytes([0x87]) + feed(0, b"AT\r") + wait(5),
]
write("hwsim_modem_fuzz", hw)

# phonebook: byte 0 options (bit 0 wvdial.conf, else rasphone.pbk fed in pieces of
# 1 + (options >> 1) bytes), then the file text. The repository's sample files come first.
data = here.parent / "engine" / "data" / "phonebook"
pb = []
for name, opt in [("xp_modem.pbk", 0x00), ("vista_modem.pbk", 0x0e), ("wvdial.conf", 0x01),
                  ("wvdialconf_output.conf", 0x01)]:
    pb.append(bytes([opt]) + (data / name).read_bytes()[:16384])
pb += [
    b"\x00[Work]\r\nMEDIA=serial\r\nDEVICE=modem\r\nPhoneNumber=5550100\r\nAlternate=5550101\r\n",
    b"\x04[a]\nPhoneNumber=1\n[a]\nPhoneNumber=2\n[b\n",
    b"\x01[Dialer Defaults]\nModem = /dev/ttyUSB0\nPhone = 5550100\nUsername = u\nPassword = p\n[Dialer alt]\nInherits = Defaults\nPhone = 9;ATZ\n",
]
write("phonebook_fuzz", pb)

# chat_script: byte 0 flags (bit 0 extensions, bit 1 words at LF, bit 2 ECHO on, bit 3 not
# strict), byte 1 the script's length L, L bytes of script, then events: a code byte with
# low bits 0/1 feeds the next (code >> 2) + 1 bytes, 2 lets time pass, 3 hangs up / jumps
# to the next deadline.
def chat(flags, script, events):
    assert len(script) < 256
    return bytes([flags, len(script)]) + script + events

def peer(data):
    b = bytearray()
    while data:
        chunk, data = data[:64], data[64:]
        b.append(((len(chunk) - 1) << 2) | 0)
        b += chunk
    return bytes(b)

cs = [
    chat(0, b'ABORT BUSY ABORT "NO CARRIER" TIMEOUT 10 "" ATZ OK ATDT5550100 CONNECT ""',
         peer(b"ATZ\r\r\nOK\r\n") + peer(b"ATDT5550100\r\r\nCONNECT 33600\r\n")),
    chat(0, b'TIMEOUT 5 ogin:--ogin: \\U ssword: \\P "$ " ""',
         peer(b"\r\nlogin: ") + peer(b"user\r\nPassword: ") + peer(b"\r\n$ ")),
    chat(1, b'REGEX "log(in|on):" \\U TIMEOUT 3 assword \\P',
         peer(b"logon:") + bytes([2 | (5 << 2)]) + bytes([3])),
    chat(2, b"ABORT\nBUSY\n\nATZ\nOK\nATDT5550110\nCONNECT\n", peer(b"\r\nBUSY\r\n")),
    chat(4, b'SAY "dialling\\n" ECHO ON "" AT OK-AT-OK "" \\c', peer(b"AT\r\r\nOK\r\n")),
    chat(1, b'CALLBACK "CALLBACK" "" ATDT5550104 CONNECT "" callback: 5551000', peer(b"CONNECT\r\ncallback:")),
    chat(8, b'"" "\\d\\p\\K\\N\\r\\n\\\\"', bytes([3, 2 | (63 << 2), 3])),
]
write("chat_script_fuzz", cs)

# telnet: byte 0 the sub-negotiation bound (1 + b0 * 2), byte 1 the feed piece size - 1;
# then what an RFC 2217 server sends: negotiations, COM-PORT-OPTION sub-negotiations
# (RFC 2217: server codes are the client's + 100), data with IAC IAC.
IAC, SB, SE, WILL, DO = 0xFF, 0xFA, 0xF0, 0xFB, 0xFD
def sub(payload):
    return bytes([IAC, SB, 44]) + payload.replace(b"\xff", b"\xff\xff") + bytes([IAC, SE])

tn = [
    bytes([128, 0, IAC, WILL, 0, IAC, WILL, 3, IAC, WILL, 44, IAC, DO, 44]),
    bytes([128, 3]) + sub(b"\x65\x00\x01\xc2\x00") + sub(b"\x66\x08") + sub(b"\x67\x01") + sub(b"\x68\x01"),
    bytes([128, 0]) + sub(b"\x6b\x80") + b"\r\nCONNECT 33600\r\n" + sub(b"\x6b\x00") + b"\r\nNO CARRIER\r\n",
    bytes([128, 7]) + b"data \xff\xff with a 255" + sub(b"\x6b\xff") + sub(b"\x64ser2net 4.3.11"),
    bytes([2, 0, IAC, SB, 44]) + b"x" * 40,                       # an endless SB past the bound
    bytes([128, 1, IAC, SB, 44, 0x6b, IAC, WILL, 1, IAC, 0xF1, IAC]),  # IAC WILL inside SB; NOP; cut IAC
]
write("telnet_fuzz", tn)

# inf: byte 0 picks the model (bits 0-1: 0 none named, 1 description, 2 last hardware id,
# 3 install section; the rest: which listed model), then the INF text. The repository's
# hand-written INF comes first.
inf_sample = (here.parent / "engine" / "data" / "inf" / "conexant_like.inf").read_bytes()
inf_min = (b"[Version]\nSignature=\"$Windows NT$\"\n[Manufacturer]\n%M%=Models\n[Models]\n"
           b"%D%=Install,USB\\VID_0572&PID_1329\n[Install]\nAddReg=Reg\n[Reg]\n")
inf = [
    b"\x01" + inf_sample,
    b"\x06" + inf_sample,
    b"\x0b" + inf_sample,
    b"\x00" + inf_min + b"HKR, Init, 1,, \"AT&F<cr>\"\nHKR, Responses, \"<cr><lf>OK<cr><lf>\", 1, 00,00, 00,00,00,00, 00,00,00,00\n"
        b"[Strings]\nM=\"Maker\"\nD=\"Model\"\n",
    b"\x00" + inf_min + b"HKR,, Properties, 1, 80,01,00,00, ff,00,00,00, ff,00,00,00, \\\n 07,00,00,00, 0f,00,00,00, "
        b"f7,03,00,00, 00,c2,01,00, 40,38,00,00\nHKR,, DCB, 1, 1C,00,00,00, 00,C2,01,00, 15,20,00,00, 00,00, 0a,00, "
        b"0a,00, 08, 00, 00, 11, 13, 00, 00, 00\n",
    b"\x00" + inf_min + b"HKR, Responses, \"OK\", 1, 00, 0G\n",
    b"\x00[Version]\r\nkey = \"a;b\", %S%, \"x\"\"y\" ; c\r\n[Strings]\r\nS=\"s\"\r\n",
]
write("inf_fuzz", inf)

# profile: byte 0 the base profile (low 3 bits: a built-in, in name order), then a profile
# file. The built-in files come first, each onto the generic base (index 4).
modems = here.parent.parent / "data" / "modems"
pf = [bytes([4]) + f.read_bytes() for f in sorted(modems.glob("*.toml"))]
pf += [
    b"\x00name = \"x\"\nreset = \"ATZ;H\"\n",
    b"\x01[[init]]\ncommand = \"ATE1\\rATH\"\n[[responses]]\ntext = \"\"\nkind = \"ok\"\nprefix = true\n",
    b"\x02inherits = \"generic\"\nresponses_replace = true\n[[responses]]\ntext = \"OK\"\nkind = \"ok\"\n",
    b"\x03direct = true\nreset = \"\"\ninit = []\nhangup = \"\"\nescape = \"\"\n",
    b"\x05[dial_errors]\nbusy = \"ERROR_NO_ANSWER\"\n[cellular.cme_errors]\n\"30\" = 679\nbogus = [\n",
]
write("profile_fuzz", pf)
