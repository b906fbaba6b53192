"""Casework: requests, orders, enquiries, verification, provision (art. 126jj Sv workflow)."""
