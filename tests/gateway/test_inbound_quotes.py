"""New text only: quoted history, signatures and quoting markup taken off."""

from __future__ import annotations

import pytest

from cadence.gateway.inbound import html_text, strip_quoted, strip_signature

QUOTE = "> Hi Ann,\n>\n> Worth a 15-minute call?\n>\n> Bob\n"


@pytest.mark.parametrize("attribution", [
    "On Mon, Dec 21, 2026 at 9:02 AM Bob Seller <bob@acme-cadence.example> wrote:",
    "On Mon, Dec 21, 2026 at 9:02 AM Bob Seller <\nbob@acme-cadence.example> wrote:",
    "On Mon, Dec 21, 2026 at 9:02 AM Bob Seller <bob@acme-cadence.example>\nwrote:",
    "On 21 Dec 2026, at 09:02, Bob Seller <bob@acme-cadence.example> wrote:",
    "On 21.12.26 09:02, Bob Seller wrote:",
    "Am Mo., 21. Dez. 2026 um 09:02 Uhr schrieb Bob Seller <bob@acme-cadence.example>:",
    "Am 21.12.2026 um 09:02 schrieb Bob Seller:",
    "Le lun. 21 déc. 2026 à 09:02, Bob Seller <bob@acme-cadence.example> a écrit :",
    "El lun, 21 dic 2026 a las 9:02, Bob Seller (<bob@acme-cadence.example>) escribió:",
    "Bob Seller <bob@acme-cadence.example> wrote:",
])
def test_attribution_and_quote_are_cut(attribution: str) -> None:
    text = f"Sounds good, Thursday works.\n\nAnn\n\n{attribution}\n\n{QUOTE}"
    assert strip_quoted(text) == "Sounds good, Thursday works.\n\nAnn"


@pytest.mark.parametrize("separator", [
    "-----Original Message-----",
    "-----Ursprüngliche Nachricht-----",
    "-----Message d'origine-----",
    "-----Mensaje original-----",
    "---------- Forwarded message ---------",
])
def test_outlook_separators_cut_everything_after(separator: str) -> None:
    text = f"Send the deck.\n\n{separator}\nFrom: Bob\nSent: Monday\n\nHi Ann,\nWorth a call?\n"
    assert strip_quoted(text) == "Send the deck."


@pytest.mark.parametrize(("sender", "sent"), [
    ("From: Bob Seller <bob@acme-cadence.example>", "Sent: Monday, December 21, 2026 9:02 AM"),
    ("*From:* Bob Seller <bob@acme-cadence.example>", "*Sent:* Monday, December 21, 2026 9:02 AM"),
    ("Von: Bob Seller <bob@acme-cadence.example>", "Gesendet: Montag, 21. Dezember 2026 09:02"),
    ("De : Bob Seller <bob@acme-cadence.example>", "Envoyé : lundi 21 décembre 2026 09:02"),
    ("De: Bob Seller <bob@acme-cadence.example>", "Enviado: lunes, 21 de diciembre de 2026 9:02"),
    ("From: Bob Seller <bob@acme-cadence.example>", "Date: Monday, December 21, 2026 at 9:02 AM"),
])
def test_outlook_header_blocks_cut_everything_after(sender: str, sent: str) -> None:
    text = f"Send the deck.\n\n________________________________\n{sender}\n{sent}\nTo: Ann\n\nHi Ann,\n"
    assert strip_quoted(text) == "Send the deck."


def test_a_from_line_without_a_sent_line_is_the_persons_text() -> None:
    text = "From: the desk of Ann\n\nWe should talk in January."
    assert strip_quoted(text) == text


def test_bottom_posted_answers_between_quotes_are_kept() -> None:
    text = ("On Mon, Dec 21, 2026 at 9:02 AM Bob Seller <bob@acme-cadence.example> wrote:\n"
            "> Are you the right person for this?\n"
            "Yes, I am.\n"
            "> Worth a 15-minute call?\n"
            "\n"
            "Thursday works.\n")
    assert strip_quoted(text) == "Yes, I am.\n\nThursday works."


def test_a_wrote_line_not_followed_by_a_quote_is_text() -> None:
    text = "Here is what our CFO wrote:\n\nWe will revisit in Q2."
    assert strip_quoted(text) == text


def test_a_strict_attribution_at_the_very_end_is_cut() -> None:
    # What is left of an Apple Mail HTML reply once its <blockquote type="cite"> is gone.
    assert strip_quoted("Thanks!\n\nOn 21 Dec 2026, at 09:02, Bob Seller <bob@x.example> wrote:") == "Thanks!"


def test_lines_are_tidied() -> None:
    assert strip_quoted("\n\n  \nfirst   \n\n\n\nsecond\n\n") == "first\n\nsecond"


@pytest.mark.parametrize(("text", "expected"), [
    ("Thanks!\n\n-- \nAnn Buyer\nVP Ops", "Thanks!"),
    ("Thanks!\n--\nAnn Buyer", "Thanks!"),
    ("Thanks!\n\nSent from my iPhone", "Thanks!"),
    ("Danke!\n\nVon meinem iPhone gesendet", "Danke!"),
    ("Merci !\n\nEnvoyé de mon iPhone", "Merci !"),
    ("¡Gracias!\n\nEnviado desde mi iPhone", "¡Gracias!"),
    ("Thanks!\n\nGet Outlook for iOS\n", "Thanks!"),
    ("Sent from my iPhone, as I said.\nThanks", "Sent from my iPhone, as I said.\nThanks"),
    ("Costs -- or savings -- matter.", "Costs -- or savings -- matter."),
])
def test_signatures(text: str, expected: str) -> None:
    assert strip_signature(text) == expected


@pytest.mark.parametrize(("html", "expected"), [
    ('<div dir="ltr">Yes.<div><br></div><div>Ann</div></div><div class="gmail_quote"><div class="gmail_attr">'
     'On Mon wrote:</div><blockquote class="gmail_quote"><div>Hi</div><div>nested</div></blockquote></div>',
     "Yes.\n\nAnn"),
    ('Yes.<div><br><blockquote type="cite">On 21 Dec, Bob wrote:<br>Hi Ann</blockquote></div>', "Yes."),
    ('<p>Yes.</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Bob</div><div>Hi</div>',
     "Yes."),
    ('<p>One</p><p>Two</p>', "One\n\nTwo"),
    ('<p class="MsoNormal">One</p><p class="MsoNormal">&nbsp;</p><p class="MsoNormal">Two</p>', "One\n\nTwo"),
    ("<style>p {color: red}</style><script>alert(1)</script><p>Text &amp; more&nbsp;here</p>",
     "Text & more here"),
    ("<div>a<blockquote type=cite>b<blockquote type=cite>c</blockquote>d</blockquote>e</div>", "a\ne"),
    ("<div>unclosed <blockquote type=cite>quoted forever", "unclosed"),
    ("<html><head><meta charset=utf-8><title>x<body><p>Text</p></body>", "Text"),
    ("<div>Yes.<br/>-- <br/><div class=gmail_signature>Ann<br/>VP</div></div>", "Yes.\n--"),
])
def test_html_text(html: str, expected: str) -> None:
    assert html_text(html) == expected
