"""Reports: the economist's HTML report and the officials' PDF, with prose built from numbers."""
