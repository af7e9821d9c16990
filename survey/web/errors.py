"""The pages shown for errors: a page that does not exist, a forbidden page, too many attempts,
a form too large, an expired form (CSRF) and a server error, each in the site's own layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def register_error_pages(app: Flask) -> None:
    """The application's own pages for the errors a visitor can meet."""

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/not_found.html"), 404

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/forbidden.html"), 403

    @app.errorhandler(429)
    def too_many(error):
        return render_template("errors/too_many.html"), 429

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/too_large.html"), 413

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/server_error.html"), 500
