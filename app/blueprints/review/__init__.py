"""Filing review (立案审查), the court's side: /review/..."""
