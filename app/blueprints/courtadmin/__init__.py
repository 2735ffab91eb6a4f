"""Court administration by the court's administrator (法院管理员)."""
