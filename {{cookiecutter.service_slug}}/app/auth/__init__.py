"""Authentication: who is calling (the credential each request carries) and what they may do."""
