# SPDX-License-Identifier: GPL-2.0
#
# Embed a data file as a NUL-terminated C string, so the tools carry their
# Go-version tables with them instead of looking for files at run time.
# Usage: cmake -DIN=file.tsv -DOUT=file.c -DNAME=symbol -P embed.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* Generated from ${IN}; do not edit. */\n"
  "const char ${NAME}[] = {${bytes} 0x00};\n")
