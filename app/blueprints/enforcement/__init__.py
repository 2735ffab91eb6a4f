"""Enforcement (执行): application, the case's enforcement page, clues, ledger, receipt confirmation."""
