{%- if cookiecutter.auth == "jwt" -%}
"""Authentication: password hashing, access tokens and the request dependencies."""
{%- else -%}
"""Authentication: API keys (format and hashing) and the request dependency that checks them."""
{%- endif %}
