"""Git merge driver for the catalogues: the union of both sides' messages, sorted.

    git config merge.po-union.driver '.venv/bin/python tools/po_merge.py %O %A %B'
A message only one side changed takes that side's translation (a three-way merge against the base);
one both sides changed differently keeps ours (the branch being merged into)."""
import sys

from babel.messages.pofile import read_po, write_po


def main(base, ours, theirs):
    with open(ours, "rb") as fh:
        cat = read_po(fh)
    with open(theirs, "rb") as fh:
        other = read_po(fh)
    with open(base, "rb") as fh:
        before = read_po(fh)
    for msg in other:
        if not msg.id:
            continue
        if msg.id not in cat:
            cat[msg.id] = msg
        elif msg.string and not cat[msg.id].string:
            cat[msg.id].string = msg.string
        elif msg.id in before and cat[msg.id].string == before[msg.id].string != msg.string:
            cat[msg.id].string = msg.string  # only theirs changed it
    with open(ours, "wb") as fh:
        write_po(fh, cat, width=0, sort_output=True, omit_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
