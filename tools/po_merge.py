"""Git merge driver for the catalogues: the union of both sides' messages, sorted.

    git config merge.po-union.driver '.venv/bin/python tools/po_merge.py %O %A %B'
A message both sides translated differently keeps ours (the branch being merged into)."""
import sys

from babel.messages.pofile import read_po, write_po


def main(base, ours, theirs):
    with open(ours, "rb") as fh:
        cat = read_po(fh)
    with open(theirs, "rb") as fh:
        other = read_po(fh)
    for msg in other:
        if msg.id and msg.id not in cat:
            cat[msg.id] = msg
        elif msg.id and msg.string and not cat[msg.id].string:
            cat[msg.id].string = msg.string
    with open(ours, "wb") as fh:
        write_po(fh, cat, width=0, sort_output=True, omit_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
