"""The court PC workbench (工作台): what needs me today, the court's case page, bulk acts, statistics."""
