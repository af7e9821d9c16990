"""The CSRF protection of every form: Flask-WTF's extension, attached in :func:`survey.create_app`.

It lives in the web layer because only the web layer knows about forms. The respondent blueprint
is exempt: its forms check their own token, so a refused token re-shows the page with everything
typed instead of an error page that throws the answers away.
"""

from flask_wtf import CSRFProtect

csrf = CSRFProtect()
