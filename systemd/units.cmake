# SPDX-License-Identifier: ISC
# units.cmake - run by "cmake --install" (install(SCRIPT) in
# systemd/CMakeLists.txt): writes the two units from their templates, with
# the directories of this install's prefix (so --prefix /usr gives units
# naming /usr/sbin, whatever prefix the tree was configured with) and the
# fragments both units share (unit-*.in, each without its own opening
# comment).
#
# Set before it runs: TN_UNIT_SRC (systemd/ of the source tree), TN_UNIT_GEN
# (where the units are written), TN_UNITS (their names), TN_REL_SBINDIR,
# TN_REL_LIBEXECDIR (GNUInstallDirs values), TN_UNIT_ROOTDIR (the default
# unit's RootDirectory=, relative to the prefix).

# The full directory of a GNUInstallDirs value under this install's prefix
# (an absolute value stays as it is).
foreach(_d SBINDIR LIBEXECDIR)
  set(_v "${TN_REL_${_d}}")
  if(NOT IS_ABSOLUTE "${_v}")
    set(_v "${CMAKE_INSTALL_PREFIX}/${_v}")
  endif()
  set(CMAKE_INSTALL_FULL_${_d} "${_v}")
endforeach()
set(TIMENODE_FULL_ROOTDIR "${CMAKE_INSTALL_PREFIX}/${TN_UNIT_ROOTDIR}")

# tn_fragment(NAME VAR): unit-NAME.in without its opening comment (up to the
# first blank line) and final newline, into VAR.
function(tn_fragment name var)
  file(READ "${TN_UNIT_SRC}/unit-${name}.in" _text)
  string(FIND "${_text}" "\n\n" _blank)
  math(EXPR _start "${_blank} + 2")
  string(SUBSTRING "${_text}" ${_start} -1 _text)
  string(REGEX REPLACE "\n$" "" _text "${_text}")
  set(${var} "${_text}" PARENT_SCOPE)
endfunction()

foreach(_u ${TN_UNITS})
  # Each unit conflicts with the other one.
  set(TIMENODE_CONFLICTS ${TN_UNITS})
  list(REMOVE_ITEM TIMENODE_CONFLICTS ${_u})
  string(REPLACE ";" " " TIMENODE_CONFLICTS "${TIMENODE_CONFLICTS}")
  foreach(_f head limits hardening)
    string(TOUPPER ${_f} _F)
    tn_fragment(${_f} _text)
    string(CONFIGURE "${_text}" TIMENODE_UNIT_${_F} @ONLY)
  endforeach()
  configure_file("${TN_UNIT_SRC}/${_u}.in" "${TN_UNIT_GEN}/${_u}" @ONLY)
endforeach()
