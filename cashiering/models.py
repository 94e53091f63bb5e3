"""The project app keeps no tables of its own. This module exists because Django sends
post_migrate only to apps with a models module, and the roles are synced on post_migrate."""
