#!/usr/bin/env python3
"""Writes a smaller copy of a stylesheet for the page's download budget:
comments dropped, runs of white space made one space, no space around `{`,
`}`, `;` and `,` nor after `:`, no `;` before `}`, and no leading zero
before a decimal point (`.5rem`). Nothing else changes
(a space before `:` can be a descendant combinator, so it stays). Usage:
minify-css.py IN OUT"""
import re
import sys

css = open(sys.argv[1], encoding="utf-8").read()
if any(re.search(r"\s{2,}|:\s", q) for q in re.findall(r""""[^"\n]*"|'[^'\n]*'""", css)):
    sys.exit(f"{sys.argv[1]}: a quoted string holds a run of white space or `: `; minify-css.py would change it")
css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
css = re.sub(r"\s+", " ", css)
css = re.sub(r"\s*([{};,])\s*", r"\1", css)
# After a colon, a space is never needed (a selector's pseudo-class has
# none, and a quoted string with ": " in it stops the script above).
css = re.sub(r":\s+", ":", css).replace(";}", "}")
# A number's leading zero (0.5rem is .5rem); never after a digit or a dot.
css = re.sub(r"(?<=[ :(,-])0\.(?=\d)", ".", css)
open(sys.argv[2], "w", encoding="utf-8").write(css.strip() + "\n")
