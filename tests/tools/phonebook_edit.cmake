# CTest run tools_dialup_phonebook_edit: `dialup phonebook set/remove/rename` on a copy of a
# sample phone book. Every line the commands do not change must come back byte for byte.
#   cmake -DDIALUP=<dialup program> -DSAMPLE=<a .pbk> -DWORK=<scratch dir> -P phonebook_edit.cmake

set(pbk "${WORK}/rasphone.pbk")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
configure_file("${SAMPLE}" "${pbk}" COPYONLY)

# Bytes are compared as hex ("5b 44 ..."): file(READ) without HEX drops the CRs of a pbk.
function(read_bytes path var)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "(..)" "\\1 " hex "${hex}")
  set(${var} "${hex}" PARENT_SCOPE)
endfunction()
function(bytes_of text var)
  string(HEX "${text}" hex)
  string(REGEX REPLACE "(..)" "\\1 " hex "${hex}")
  set(${var} "${hex}" PARENT_SCOPE)
endfunction()
# replace(<var> <text> <by>): in the bytes held by <var>.
function(replace var text by)
  bytes_of("${text}" from)
  bytes_of("${by}" to)
  string(FIND "${${var}}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "test bug: no \"${text}\" in the sample")
  endif()
  string(REPLACE "${from}" "${to}" out "${${var}}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

read_bytes("${SAMPLE}" original)

# run(<expected exit status> <args>...): runs dialup, leaves its stdout+stderr in `output`.
function(run expected)
  execute_process(COMMAND "${DIALUP}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "dialup ${ARGN} -> ${rc}\n${out}${err}")
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "expected exit status ${expected}, got ${rc}")
  endif()
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_file_is bytes what)
  read_bytes("${pbk}" now)
  if(NOT now STREQUAL bytes)
    message(FATAL_ERROR "${what}: the bytes of ${pbk} are\n${now}\nnot\n${bytes}")
  endif()
endfunction()

# A key that is neither dialup's, nor the entry's, nor one Windows writes is refused with the
# nearest one, and nothing is written.
run(1 phonebook set "${pbk}" "dial-up isp" PhoneNumber=5550140 RedialAtempts=5)
if(NOT output MATCHES "unknown key 'RedialAtempts' \\(did you mean RedialAttempts\\?\\)")
  message(FATAL_ERROR "a misspelt key is not refused with the nearest one: ${output}")
endif()
expect_file_is("${original}" "after a misspelt key")

# set: interpreted keys (the first number, RedialOnLinkFailure, Port with its PreferredPort
# copy), a key dialup does not interpret where it is (MdmProtocol in DEVICE=modem).
run(0 phonebook set "${pbk}" "dial-up isp" PhoneNumber=5550140 RedialOnLinkFailure=1
    Port=/dev/ttyS0 MdmProtocol=1)
set(expected "${original}")
replace(expected "PhoneNumber=5550100\r\n" "PhoneNumber=5550140\r\n")
replace(expected "RedialOnLinkFailure=0\r\n" "RedialOnLinkFailure=1\r\n")
replace(expected "PreferredPort=COM3\r\n" "PreferredPort=/dev/ttyS0\r\n")
replace(expected "\nPort=COM3\r\n" "\nPort=/dev/ttyS0\r\n")
replace(expected "Speaker=0\r\nMdmProtocol=0\r\n" "Speaker=0\r\nMdmProtocol=1\r\n")
expect_file_is("${expected}" "after set")
run(0 phonebook show "${pbk}" "Dial-up ISP")
if(NOT output MATCHES "5550140")
  message(FATAL_ERROR "show does not give the new number")
endif()

# A missing entry is 623 without --create, and the file is not touched.
run(1 phonebook set "${pbk}" "No such entry" Port=COM1)
if(NOT output MATCHES "error 623")
  message(FATAL_ERROR "a missing entry is not error 623")
endif()
expect_file_is("${expected}" "after a refused set")
# A bad value is refused, the file not touched.
run(1 phonebook set "${pbk}" "Dial-up ISP" RedialAttempts=many)
expect_file_is("${expected}" "after a bad value")

# --create, rename, remove: the other entries stay as they were.
run(0 phonebook set --create "${pbk}" "New entry" Port=/dev/ttyUSB0 PhoneNumber=5550100)
run(0 phonebook rename "${pbk}" "new entry" "Renamed entry")
run(0 phonebook list "${pbk}")
if(NOT output MATCHES "Renamed entry +modem +/dev/ttyUSB0 +5550100")
  message(FATAL_ERROR "the created and renamed entry is not listed")
endif()
run(0 phonebook remove "${pbk}" "Renamed entry")
expect_file_is("${expected}" "after create, rename and remove")
run(0 phonebook remove "${pbk}" "Dial-up ISP")
bytes_of("[Campus BBS]" campus)
string(FIND "${original}" "${campus}" at)
string(SUBSTRING "${original}" ${at} -1 rest)
expect_file_is("${rest}" "after removing the first entry")
run(1 phonebook remove "${pbk}" "Dial-up ISP")

# A malformed file is refused with file:line: reason and never written.
file(WRITE "${pbk}" "[A]\r\nMEDIA=rastapi\r\nDEVICE=modem\r\nPhoneNumber=1\r\nnot a key line\r\n")
read_bytes("${pbk}" bad)
run(1 phonebook set "${pbk}" A Port=COM1)
if(NOT output MATCHES "rasphone.pbk:5: ")
  message(FATAL_ERROR "no file:line: reason for a malformed file")
endif()
expect_file_is("${bad}" "after refusing a malformed file")
file(GLOB leftovers "${WORK}/.*")
if(leftovers)
  message(FATAL_ERROR "temporary files left behind: ${leftovers}")
endif()
