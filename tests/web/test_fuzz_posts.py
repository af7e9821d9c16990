"""Fuzzing every POST route: whatever a client sends, the answer is never a 500.

The routes come from the application's own URL map, so a POST route added later is fuzzed without
anyone listing it here. For each one hypothesis builds requests from:

- path parameters that are real (a respondent's link, a page key, a respondent's or an account's
  id) or hostile (numbers past 64 bits, thousands of digits, ``../``, unicode, CR/LF, NUL);
- the form's own field names (read from the pages that show it), other forms' and made-up names;
  values real, missing, repeated, huge, with control characters, CR/LF or NUL, numbers of
  thousands of digits, negative, ``NaN``, unicode; files for uploads (huge cells, non-text);
- a query string (``next=`` with CR/LF and the like);
- the client signed in as each role, or not at all; with a valid CSRF token, or without one.

A sweep then sends a fixed list of hostile values to every field of every form, no luck needed.
Requests share one database per test: what one changes (a link revoked, an account deactivated)
is the world the next meets; the fuzz accounts are made active again before each request.
"""

from __future__ import annotations

import html as html_module
import io
import re
import urllib.parse
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from survey import create_app
from survey.extensions import db
from survey.models import Respondent, User
from survey.questionnaire.loader import load
from survey.questionnaire.routing import route
from survey.responses.writing import create_respondent
from tests.conftest import APPENDIX_A

pytestmark = pytest.mark.slow

QUESTIONNAIRE = load(APPENDIX_A)
ROLES = ("admin", "researcher", "sponsor")
PAGE_KEYS = [
    pi.key
    for pi in route(QUESTIONNAIRE, {"q11_ex1": "yes", "q7_ex1": ["assets"], "q28": ["housing"]})
]
QUESTION_IDS = [q.id for q in QUESTIONNAIRE.questions()]
REPEAT_IDS = sorted({p.repeat for p in QUESTIONNAIRE.pages() if p.repeat})
# Browsers send UTF-8, so lone surrogates cannot arrive; every other character can.
CHARACTER = st.characters(blacklist_categories=("Cs",))
CONTROL = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=20)
HUGE_INTS = ["0", "-1", str(2**31), str(2**63), str(2**64), "9" * 40, "9" * 4301, "1" + "0" * 5000]
HOSTILE_TEXT = [
    "", " ", "../", "../../etc/passwd", "..%2F..%2F", "%00", "\x00", "\r\n", "a\r\nSet-Cookie: x=1",
    "\u202eevil", "é☃🙂", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "'; --",
    "NaN", "nan", "inf", "-inf", "1e999", "-0", "0x10", "1,000,000,000", "£" * 3, "x" * 5000,
    "//evil.example", "/research\r\nLocation: //evil", "key~garbage",
]  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(HUGE_INTS),
    st.integers().map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "-" * (n % 2) + "7" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
TEXT = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(CHARACTER, max_size=40),
    CONTROL,
    st.text(CHARACTER, min_size=300, max_size=400),
    st.integers(min_value=1000, max_value=200_000).map(lambda n: "y" * n),
)
# values that mean something to some form, so the views get past their first check
REAL = st.sampled_from(
    ["admin@example.org", "a correct horse battery staple", "district", "yes", "next", "save",
     "admin", "sponsor", "Barnet", "1", "£1,000", "2013"]
)  # fmt: skip
VALUES = st.one_of(TEXT, NUMBERS, REAL)
EXTRA_NAMES = ["csrf_token", "state", "action", "next", "confirm", "email", "password", "role"]
QUERY_NAMES = ["next", "change", "removed", "n", "page", "sort", "q"]

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # each run explores afresh; failures print their example
    suppress_health_check=list(HealthCheck),  # one world per test, big values: on purpose
)


def post_rules(app) -> list[Rule]:
    """Every URL rule that takes a POST, in a stable order."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


RULES = [
    r.rule
    for r in post_rules(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}))
]


# -- the world the requests meet --------------------------------------------------------------------


@dataclass
class World:
    """What exists in the fuzzed database: the real values path parameters can take."""

    app: object
    tokens: list[str]
    respondent_ids: list[int]
    users: dict[str, int]  # role -> account id
    password: str = "a correct horse battery staple"  # every fuzz account's (REAL has it)

    def real_values(self, argument: str, converter: str) -> list[str]:
        """Values of a path parameter that name something that exists."""
        if converter == "IntegerConverter":
            ids = self.respondent_ids if "respondent" in argument else list(self.users.values())
            return [str(i) for i in (ids if argument != "n" else [1, 2, 3])]
        return {
            "token": self.tokens,
            "key": PAGE_KEYS,
            "repeat_id": REPEAT_IDS,
            "questionnaire_id": [QUESTIONNAIRE.id],
            "question_id": QUESTION_IDS,
        }.get(argument, [QUESTIONNAIRE.id, *self.tokens[:1], *PAGE_KEYS[:2]])

    def generic(self, path: str, inverse: bool = False) -> str:
        """``path`` with this world's links written ``{link0}``, ``{link1}``... (the same key for
        the same page in every test's world); ``inverse``: the other way round."""
        for i, token in enumerate(self.tokens):
            path = (
                path.replace(f"{{link{i}}}", token)
                if inverse
                else path.replace(token, f"{{link{i}}}")
            )
        return path


@pytest.fixture
def world(app) -> World:
    from werkzeug.security import generate_password_hash

    with app.app_context():
        made = [create_respondent(QUESTIONNAIRE.id, f"Fuzz {i}", "district") for i in range(4)]
        db.session.flush()
        ids, tokens = [respondent.id for respondent, _ in made], [token for _, token in made]
        ids += _submitted_responses(app)
        password_hash = generate_password_hash(World.password)
        accounts = {
            role: User(email=f"{role}@example.org", password_hash=password_hash, role=role)
            for role in ROLES
        }
        db.session.add_all(accounts.values())
        db.session.commit()
        users = {role: user.id for role, user in accounts.items()}
    return World(app, tokens, ids, users)


def _submitted_responses(app) -> list[int]:
    """A few submitted demonstration responses (with the cleaning rules' planted errors and free
    text), so that the pages whose forms only appear with data -- reopening a response, the
    cleaning log's decisions, the free-text review -- show them and their real fields are fuzzed.
    Returns two of their respondents' ids."""
    from survey.scoring.config import scoring_config
    from survey.scoring.demo import generate
    from survey.scoring.demo_storage import store

    questionnaire = app.extensions["survey_registry"].get(QUESTIONNAIRE.id)
    store(questionnaire, generate(questionnaire, scoring_config(questionnaire), 20, seed=3))
    db.session.commit()
    submitted = db.session.scalars(
        select(Respondent.id).where(Respondent.name.not_like("Fuzz %")).order_by(Respondent.id)
    ).all()
    return list(submitted[:2])


def _sign_in(world: World, client, role: str | None) -> None:
    """Put the account of ``role`` in the client's session (made active again first, since an
    earlier example may have deactivated it)."""
    if role is None:
        return
    with world.app.app_context():
        db.session.execute(
            update(User).where(User.id.in_(world.users.values())).values(active=True)
        )
        user = db.session.get(User, world.users[role])
        user_id = f"{user.id}:{user.session_version}"
        db.session.commit()
    with client.session_transaction() as session:
        session.update({"_user_id": user_id, "_fresh": True})


def _csrf_token(client) -> str:
    """A valid CSRF token for the client's session (the sign-in page always shows a form)."""
    html = client.get("/research/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@dataclass
class Form:
    """A form's field names, which are uploads, and hidden values (a respondent page's state)."""

    names: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, html: str) -> Form:
        """The form whose inner HTML is ``html``."""
        form = cls()
        for tag in re.findall(r"<(?:input|select|textarea|button)\b[^>]*>", html):
            name = re.search(r'\bname="([^"]+)"', tag)
            if name is None:
                continue
            form.names.append(html_module.unescape(name.group(1)))
            if 'type="file"' in tag:
                form.files.append(form.names[-1])
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if 'type="hidden"' in tag and value and form.names[-1] != "csrf_token":
                form.hidden[form.names[-1]] = html_module.unescape(value.group(1))
        return form

    def merge(self, other: Form) -> None:
        self.names = sorted(set(self.names) | set(other.names))
        self.files = sorted(set(self.files) | set(other.files))
        self.hidden = {**other.hidden, **self.hidden}


@dataclass
class Catalogue:
    """Every form the application shows, read from each HTML page it serves to an admin (see
    :func:`_pages`), by the URL it posts to (links written ``{link0}``...) and by that URL's rule:
    new forms and fields are fuzzed without being listed here. Read once per session: the
    templates decide the forms, not the data."""

    by_url: dict[str, Form] = field(default_factory=dict)
    by_rule: dict[str, Form] = field(default_factory=dict)
    urls: dict[str, list[str]] = field(default_factory=dict)  # rule -> URLs its forms post to

    def add(self, rule: Rule, url: str, form: Form) -> None:
        self.by_url.setdefault(url, Form()).merge(form)
        self.by_rule.setdefault(rule.rule, Form()).merge(form)
        if url not in self.urls.setdefault(rule.rule, []):
            self.urls[rule.rule].append(url)

    def form(self, world: World, rule: Rule, url: str) -> Form:
        """The form posting to ``url`` if one was seen, else the union of the rule's forms."""
        path = urllib.parse.urlsplit(url).path
        return self.by_url.get(world.generic(path)) or self.by_rule.get(rule.rule) or Form()

    def names(self) -> list[str]:
        return sorted({name for form in self.by_rule.values() for name in form.names})


_CATALOGUE: list[Catalogue] = []  # built by the first test that needs it
FORM_TAG = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)


def catalogue(world: World) -> Catalogue:
    if not _CATALOGUE:
        _CATALOGUE.append(_read_every_page(world))
    return _CATALOGUE[0]


def _read_every_page(world: World) -> Catalogue:
    found = Catalogue()
    client = world.app.test_client()
    adapter = world.app.url_map.bind("localhost")
    for page in _pages(world):
        _sign_in(world, client, "admin")
        response = client.get(page)
        if response.mimetype != "text/html":
            continue
        for attributes, inner in FORM_TAG.findall(response.get_data(as_text=True)):
            if 'method="post"' not in attributes.lower():
                continue
            action = re.search(r'\baction="([^"]*)"', attributes)
            target = html_module.unescape(action.group(1)) if action and action.group(1) else page
            path = urllib.parse.urlsplit(target).path
            try:
                rule, _ = adapter.match(path, method="POST", return_rule=True)
            except HTTPException:
                continue
            found.add(rule, world.generic(path), Form.read(inner))
    return found


def _pages(world: World) -> list[str]:
    """A URL for every GET rule but files (a name with a dot: PDF, CSV, SVG, JSON) and static
    files, with real values: the first of each parameter, then each real value of each in turn."""
    urls: list[str] = []
    for rule in world.app.url_map.iter_rules():
        last = rule.rule.rsplit("/", 1)[-1]
        if "GET" not in (rule.methods or ()) or "." in last or rule.endpoint == "static":
            continue
        first = {a: world.real_values(a, _converter(rule, a))[0] for a in rule.arguments}
        urls.append(_url(rule, first))
        for argument in sorted(rule.arguments):
            for value in world.real_values(argument, _converter(rule, argument))[1:]:
                urls.append(_url(rule, {**first, argument: value}))
    return list(dict.fromkeys(urls))


def _converter(rule: Rule, argument: str) -> str:
    return type(rule._converters[argument]).__name__


def _url(rule: Rule, values: dict[str, str], query: list[tuple[str, str]] | None = None) -> str:
    """The rule's path with each parameter replaced by ``values`` (percent-encoded, except that a
    value starting with ``raw:`` goes in as it is: ``../`` unencoded)."""

    def fill(match: re.Match) -> str:
        value = values[match.group(1)]
        return value[4:] if value.startswith("raw:") else urllib.parse.quote(value, safe="")

    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", fill, rule.rule)
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


# -- strategies -------------------------------------------------------------------------------------


def path_value(world: World, rule: Rule, argument: str):
    converter = _converter(rule, argument)
    real = st.sampled_from(world.real_values(argument, converter))
    if converter == "IntegerConverter":  # what the rule matches: digits, of any length
        hostile = st.one_of(st.sampled_from(HUGE_INTS[2:]), st.integers(min_value=0).map(str))
    else:
        hostile = st.one_of(
            st.sampled_from(HOSTILE_TEXT),
            st.text(CHARACTER, min_size=1, max_size=30),
            st.sampled_from(["raw:..", "raw:../..", "raw:%2e%2e"]),
        ).filter(lambda v: v != "")
    return st.one_of(real, hostile)


def upload(draw) -> tuple[io.BytesIO, str]:
    """A file as a browser uploads it: a CSV with hostile cells, or bytes that are no text."""
    cell = st.one_of(TEXT, NUMBERS, st.sampled_from(["london_borough", "district", "Barnet"]))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=5), max_size=6))
    header = draw(st.sampled_from(["name,type,contact_name,email", "name,type", "", "x"]))
    text = "\n".join([header] + [",".join(row) for row in rows])
    body = draw(
        st.one_of(
            st.just(text.encode("utf-8", "replace")),
            st.just(("\ufeff" + text).encode("utf-16", "replace")),
            st.binary(max_size=500),
            st.just(b"name,type\n" + b'"' + b"z" * 200_000 + b'",district\n'),
        )
    )
    name = draw(st.sampled_from(["list.csv", "", "../../x.csv", "é.csv", "a\r\nb.csv"]))
    return io.BytesIO(body), name


@st.composite
def request_for(draw, world: World, rule: Rule, csrf_valid: bool):
    """(role, url, form data) for one request to ``rule``."""
    view = world.app.view_functions[rule.endpoint]
    allowed = list(getattr(view, "allowed_roles", ()) or ())
    role = draw(st.one_of(st.sampled_from(allowed or [None]), st.sampled_from([None, *ROLES])))
    values = {a: draw(path_value(world, rule, a)) for a in rule.arguments}
    query = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), VALUES), max_size=2))
    # the names of the form that posts to this very URL, else those of the rule's forms
    form = catalogue(world).form(world, rule, _url(rule, values))
    own = form.names or EXTRA_NAMES
    others = sorted(set(catalogue(world).names()) | set(EXTRA_NAMES))
    name = st.one_of(
        st.sampled_from(own), st.sampled_from(own), st.sampled_from(others), st.text(max_size=10)
    )
    items = draw(st.lists(st.tuples(name, VALUES), max_size=12))
    if draw(st.booleans()):  # one hostile value in every field of the form
        value = draw(VALUES)
        items += [(n, value) for n in own if n not in form.hidden]
    data = MultiDict([(k, v) for k, v in items if k != "csrf_token"])
    if draw(st.booleans()):  # an account's real email and password, to get past signing in
        email = f"{draw(st.sampled_from(ROLES))}@example.org"
        for key in set(own) & {"email", "password", "current_password"}:
            data[key] = World.password if "password" in key else email
    for hidden, value in form.hidden.items():  # the page state as shown, mostly
        if hidden not in data and draw(st.integers(0, 3)):
            data[hidden] = value
    for file_field in form.files:
        if draw(st.booleans()):
            data.add(file_field, upload(draw))
    if draw(st.booleans()) and "confirm" in own:
        data["confirm"] = "yes"
    if not csrf_valid and draw(st.booleans()):
        data["csrf_token"] = draw(st.sampled_from(["", "x", "IjEi.Zz.bad", "\r\n"]))
    return role, _url(rule, values, query), data


def _rule(app, text: str) -> Rule:
    return next(rule for rule in post_rules(app) if rule.rule == text)


@pytest.mark.parametrize("csrf_valid", [True, False], ids=["csrf", "no-csrf"])
@pytest.mark.parametrize("rule_text", RULES)
def test_no_post_route_answers_500(app, world, rule_text, csrf_valid):
    """A few hundred fuzzed POSTs per route; none is a 500 and no exception escapes the app."""
    app.config["PROPAGATE_EXCEPTIONS"] = True  # an error fails the test with its traceback
    rule = _rule(app, rule_text)
    sessions: dict[str | None, tuple] = {}

    @given(request=request_for(world, rule, csrf_valid))
    @settings(SETTINGS, max_examples=SETTINGS.max_examples if csrf_valid else 20)
    def fuzz(request):
        role, url, data = request
        if role not in sessions:  # one signed-in client per role, reused while it stays valid
            client = app.test_client()
            sessions[role] = (client, _csrf_token(client))
        client, token = sessions[role]
        _sign_in(world, client, role)
        if csrf_valid:
            data["csrf_token"] = token
        response = client.post(url, data=data)  # multipart where a file is in it
        assert response.status_code != 500, (url, dict(data.lists()))
        if response.status_code in (302, 303):
            sessions.pop(role, None)  # the session may have changed (signed in or out)

    fuzz()


# -- the sweep: every hostile value in every field of every form found, no luck needed ------------

SWEEP_VALUES = [
    "", "\x00", "\r\n", "a\r\nSet-Cookie: x=1", "/research\r\nLocation: //evil", "NaN", "-1",
    "1e999", str(2**64), "9" * 4301, "-" + "9" * 4301, "x" * 5000, "y" * 200_000, "é☃🙂\u202e",
]  # fmt: skip
# field names a browser never sends; with a file part, so they go as multipart headers
SWEEP_NAMES = ["\n", "\r\n", '"', "\x00", "é", ""]
SWEEP_FILES = [
    b"name,type\n" + b'"' + b"z" * 200_000 + b'",district\n',  # past csv's field limit
    b"name,type,contact_name,email\nBarnet,london_borough," + b"c" * 5000 + b",a@example.org\n",
    b"\xff\xfe\x00\x01",
]


def sweep_requests(world: World, rule: Rule):
    """(role, url, data) for a role the route allows: each SWEEP_VALUES value in every field
    (and in ``next=``), alone and beside real credentials; each hostile path value in turn."""
    allowed = getattr(world.app.view_functions[rule.endpoint], "allowed_roles", None) or [None]
    role = allowed[0]
    real = {a: world.real_values(a, _converter(rule, a))[0] for a in rule.arguments}
    known = catalogue(world).urls.get(rule.rule, [])
    for url in [world.generic(u, inverse=True) for u in known] or [_url(rule, real)]:
        form = catalogue(world).form(world, rule, url)
        for value in SWEEP_VALUES:
            data = {n: value for n in form.names or EXTRA_NAMES if n not in form.files}
            data |= form.hidden
            data.pop("csrf_token", None)
            yield role, f"{url}?{urllib.parse.urlencode({'next': value})}", data
            if {"email", "password"} <= set(form.names):
                yield role, f"{url}?{urllib.parse.urlencode({'next': value})}", data | {
                    "email": f"{role or 'admin'}@example.org", "password": World.password
                }  # fmt: skip
        for body in SWEEP_FILES:
            for upload_field in form.files:
                yield role, url, {upload_field: (io.BytesIO(body), "list.csv")}
    odd_names = MultiDict([(name, "x") for name in SWEEP_NAMES])
    odd_names.add("upload", (io.BytesIO(b"x"), "list.csv"))
    yield role, _url(rule, real), odd_names
    for argument in rule.arguments:
        converter = _converter(rule, argument)
        for value in HUGE_INTS[2:] if converter == "IntegerConverter" else HOSTILE_TEXT:
            if value:
                yield role, _url(rule, {**real, argument: value}), {}


@pytest.mark.parametrize("rule_text", RULES)
def test_post_route_sweep_finds_no_500(app, world, rule_text):
    """Every request of :func:`sweep_requests`, with a valid CSRF token: no 500, no exception;
    a failure lists every request that failed, not just the first."""
    app.config["PROPAGATE_EXCEPTIONS"] = True
    rule = _rule(app, rule_text)
    failures = []
    for role, url, data in sweep_requests(world, rule):
        client = app.test_client()
        token = _csrf_token(client)
        _sign_in(world, client, role)
        data["csrf_token"] = token
        try:
            status: int | str = client.post(url, data=data).status_code
        except Exception as exc:  # noqa: BLE001 -- reported with the request that raised it
            status = f"{type(exc).__name__}: {str(exc)[:150]}"
        if status == 500 or isinstance(status, str):
            fields = ", ".join(f"{k!r}={str(v)[:12]!r}" for k, v in data.items())
            failures.append(f"{url[:120]} ({len(data)} fields: {fields[:160]}): {status}")
    assert not failures, "\n".join(failures)


def test_the_fuzzer_reaches_every_post_route(app, world):
    """The forms are found (the fuzz is not quietly posting to nothing) and a valid CSRF token
    gets a request into the view."""
    rules = post_rules(app)
    assert len(rules) >= 14
    forms = catalogue(world).by_rule
    assert "file" in forms["/research/<questionnaire_id>/invitations"].files
    assert "contact_name" in forms["/research/<questionnaire_id>/invitations/add"].names
    assert {"email", "password"} <= set(forms["/research/sign-in"].names)
    page = forms["/s/<token>/page/<key>"]
    assert "state" in page.names and "q8_ex1_2010_11_base" in page.names  # every page was read
    # the forms that only appear with submitted data (see _submitted_responses)
    for rule in (
        "/research/<questionnaire_id>/respondents/<int:respondent_id>/reopen",
        "/research/<questionnaire_id>/figures/cleaning",
        "/research/<questionnaire_id>/free-text/<question_id>",
    ):
        assert rule in forms and forms[rule].names, rule
    client = app.test_client()
    _sign_in(world, client, "admin")
    token = _csrf_token(client)
    _sign_in(world, client, "admin")
    url = _url(_rule(app, "/research/users"), {})
    new = {"email": "new@example.org", "role": "sponsor", "password": World.password}
    assert client.post(url, data=new).status_code == 400  # no CSRF token: refused
    assert client.post(url, data={**new, "csrf_token": token}).status_code == 302  # created
