"""Online filing (网上立案), the litigant's and lawyer's side: /filings/..."""
