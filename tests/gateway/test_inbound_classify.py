"""Every fixture in tests/gateway/mail/ classified, the whole verdict pinned."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from cadence.gateway.inbound import (
    Bounce,
    BouncedRecipient,
    OutOfOffice,
    Reply,
    Verdict,
    classify,
    html_text,
    strip_quoted,
    strip_signature,
)
from cadence.gateway.inbound._mime import parse, parts

MAIL = Path(__file__).parent / "mail"
NOW = datetime(2026, 12, 21, 9, 30, tzinfo=timezone.utc)
DOMAIN = "mail.acme-cadence.example"

EXPECTED: dict[str, Verdict] = {
    "dsn_postfix_hard.eml": Bounce(
        message_id="<20261221081403.4E1B21C0F2@mail.acme-cadence.example>",
        sender="mailer-daemon@mail.acme-cadence.example",
        subject="Undelivered Mail Returned to Sender",
        in_reply_to=(),
        references=(),
        tokens=("jqwtcmbugi-4cadfbae0399bc1e3a30",),
        recipients=(BouncedRecipient(
            address="gone@buyer.example", original="gone@buyer.example", action="failed", status="5.1.1",
            severity="hard",
            diagnostic="550 5.1.1 <gone@buyer.example>: Recipient address rejected: User unknown in virtual "
                       "mailbox table"),),
        original_message_id=f"<nrswczbnjqwtcmbugi.5a0abd9bd5928408.intro.0@{DOMAIN}>",
    ),
    "dsn_postfix_soft.eml": Bounce(
        message_id="<20261221091244.7A2C31D104@mail.acme-cadence.example>",
        sender="mailer-daemon@mail.acme-cadence.example",
        subject="Delayed Mail (still being retried)",
        in_reply_to=(),
        references=(),
        tokens=("jqwtembxg4-4889a75cade70092585e",),
        recipients=(BouncedRecipient(
            address="slow@buyer.example", original="slow@buyer.example", action="delayed", status="4.4.1",
            severity="soft", diagnostic="connect to mx.buyer.example[198.51.100.7]:25: Connection timed out"),),
        original_message_id=f"<nrswczbnjqwtembxg4.ff1e6968a99a47e7.intro.0@{DOMAIN}>",
    ),
    "dsn_office365_hard.eml": Bounce(
        message_id="<a1b2c3d4-0e6f-4c2b-9a6d-2f0b6e7c8d91@DM6PR11MB4691.namprd11.prod.outlook.com>",
        sender="microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@buyerinc.onmicrosoft.com",
        subject="Undeliverable: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtgmzrga.1b6a2d4d90a2c37a.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtgmzrga.1b6a2d4d90a2c37a.intro.0@{DOMAIN}>",),
        tokens=("jqwtgmzrga-6e7d8279635da2f943d3",),
        recipients=(BouncedRecipient(
            address="left.company@buyer.example", original="left.company@buyer.example", action="failed",
            status="5.1.10", severity="hard",
            diagnostic="550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),),
        original_message_id=f"<nrswczbnjqwtgmzrga.1b6a2d4d90a2c37a.intro.0@{DOMAIN}>",
    ),
    "dsn_office365_soft.eml": Bounce(
        message_id="<5d0c9b8a-7f6e-4d3c-b2a1-09f8e7d6c5b4@BN8PR11MB3620.namprd11.prod.outlook.com>",
        sender="microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@buyerinc.onmicrosoft.com",
        subject="Delivery delayed:Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtimjyha.31ca0361e38a1658.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtimjyha.31ca0361e38a1658.intro.0@{DOMAIN}>",),
        tokens=("jqwtimjyha-cdd56ec45196e30d623e",),
        recipients=(BouncedRecipient(
            address="pat@buyer-partner.example", original=None, action="delayed", status="4.4.7",
            severity="soft", diagnostic="400 4.4.7 Message delayed"),),
        original_message_id=f"<nrswczbnjqwtimjyha.31ca0361e38a1658.intro.0@{DOMAIN}>",
    ),
    "dsn_gmail_hard.eml": Bounce(
        message_id="<6766a1b2.050a0220.2f1c3d.9b1f.GMR@mx.google.com>",
        sender="mailer-daemon@googlemail.com",
        subject="Delivery Status Notification (Failure)",
        in_reply_to=(f"<nrswczbnjqwtkmjsga.dbfd2cc2ce0231c6.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtkmjsga.dbfd2cc2ce0231c6.intro.0@{DOMAIN}>",),
        tokens=("jqwtkmjsga-41e4bd091e07c1edacde",),
        recipients=(BouncedRecipient(
            address="nobody@buyer.example", original=None, action="failed", status="5.1.1", severity="hard",
            diagnostic="550-5.1.1 The email account that you tried to reach does not exist. Please try "
                       "550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 "
                       "unnecessary spaces. For more information, go to 550 5.1.1 "
                       "https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-7f3b0c2a1d9si1123456b3a.271 "
                       "- gsmtp"),),
        original_message_id=f"<nrswczbnjqwtkmjsga.dbfd2cc2ce0231c6.intro.0@{DOMAIN}>",
    ),
    "dsn_gmail_soft.eml": Bounce(
        message_id="<67669e44.170a0220.3b2e1c.5a4d.GMR@mx.google.com>",
        sender="mailer-daemon@googlemail.com",
        subject="Delivery Status Notification (Delay)",
        in_reply_to=(f"<nrswczbnjqwtmmbtgq.04d25cf0460ec03d.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtmmbtgq.04d25cf0460ec03d.intro.0@{DOMAIN}>",),
        tokens=("jqwtmmbtgq-885ea8c159909c60489e",),
        recipients=(BouncedRecipient(
            address="kai@slow-buyer.example", original=None, action="delayed", status="4.4.1", severity="soft",
            diagnostic="The recipient server did not accept our requests to connect. For more information, go to "
                       "https://support.google.com/mail/answer/7720 [mx.slow-buyer.example. 198.51.100.44: "
                       "timed out]"),),
        original_message_id=f"<nrswczbnjqwtmmbtgq.04d25cf0460ec03d.intro.0@{DOMAIN}>",
    ),
    "dsn_wrapped_mixed.eml": Bounce(
        message_id="<gw-20261221083958-77812@gw.buyer-group.example>",
        sender="postmaster@buyer-group.example",
        subject="Returned mail: see transcript for details",
        in_reply_to=(),
        references=(),
        tokens=(),
        recipients=(BouncedRecipient(
            address="cfo@buyer-group.example", original=None, action="failed", status="5.7.1", severity="hard",
            diagnostic="550 5.7.1 Message rejected by policy"),),
        original_message_id=None,
    ),
    "ooo_en_outlook.eml": OutOfOffice(
        message_id="<SJ0PR11MB5678A1B2C3D4E5F6A7B8C9D0E1F2A@SJ0PR11MB5678.namprd11.prod.outlook.com>",
        sender="hannah.ortiz@buyer.example",
        subject="Automatic reply: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtqobrgu.51c17e347f28ea2e.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtqobrgu.51c17e347f28ea2e.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="Auto-Submitted: auto-generated",
        return_date=date(2027, 1, 11),
        text="Thank you for your email. I'm out of the office for the holidays and will be back on Monday, "
             "11 January. I will have no access to email during this time.\n\n"
             "For anything urgent, please contact my colleague Raj Patel (raj.patel@buyer.example).\n\n"
             "Best regards,\nHannah",
    ),
    "ooo_en_gmail_nodate.eml": OutOfOffice(
        message_id="<CAF3kQz8Lr2Vw9pXn0cYt7sB1mHd4gJ6eR5aU2iK8oN3vM0xW_Q@mail.gmail.com>",
        sender="nora.lind@buyer.example",
        subject="Re: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtsmjsga.244dcefc384ae2d7.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtsmjsga.244dcefc384ae2d7.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="Auto-Submitted: auto-replied",
        return_date=None,
        text="Thanks for your message. I'm travelling with limited access to email and\n"
             "will get back to you as soon as I can.\n\nNora",
    ),
    "ooo_de_outlook.eml": OutOfOffice(
        message_id="<FR2P281MB1234A5B6C7D8E9F0A1B2C3D4E5F6A@FR2P281MB1234.DEUP281.PROD.OUTLOOK.COM>",
        sender="juergen.mueller@kaeufer.example",
        subject="Automatische Antwort: Kurze Frage zu Ihrem Q1-Rollout",
        in_reply_to=(f"<nrswczbnjqwtsojugq.3312282d2fff903b.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtsojugq.3312282d2fff903b.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="Auto-Submitted: auto-generated",
        return_date=date(2027, 1, 11),
        text="Vielen Dank für Ihre Nachricht.\n\n"
             "Ich bin bis einschließlich 8. Januar 2027 nicht im Büro. Ab dem 11. Januar bin ich wieder erreichbar."
             "\n\nIn dringenden Fällen wenden Sie sich bitte an meine Kollegin Anna Schmid "
             "(anna.schmid@kaeufer.example).\n\nMit freundlichen Grüßen\nJürgen Müller",
    ),
    "ooo_de_lotus_nodate.eml": OutOfOffice(
        message_id="<OF7A1B2C3D.4E5F6071-ONC1258B12.0034A1B2-C1258B12.0034A1B3@kaeufer-gruppe.example>",
        sender="karin.vogt@kaeufer-gruppe.example",
        subject="Abwesenheitsnotiz: Kurze Frage zu Ihrem Q1-Rollout",
        in_reply_to=(),
        references=(),
        tokens=(),
        evidence="Subject: abwesenheitsnotiz",
        return_date=None,
        text="Sehr geehrte Damen und Herren,\n\nich bin derzeit nicht im Büro und habe nur eingeschränkt Zugriff "
             "auf meine E-Mails. Ihre Nachricht wird nicht weitergeleitet.\n\nMit freundlichen Grüßen\nKarin Vogt",
    ),
    "ooo_fr_outlook.eml": OutOfOffice(
        message_id="<PAXPR10MB5432E1F2A3B4C5D6E7F8A9B0C1D2E@PAXPR10MB5432.EURPRD10.PROD.OUTLOOK.COM>",
        sender="elise.bernard@acheteur.example",
        subject="Réponse automatique : Petite question sur votre déploiement T1",
        in_reply_to=(f"<nrswczbnjqwtcmryha.89d5cfb066cc605d.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtcmryha.89d5cfb066cc605d.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="X-Autoreply",
        return_date=date(2027, 1, 14),
        text="Bonjour,\n\nJe suis absente du bureau et serai de retour le 14 janvier. Pour toute urgence, merci de "
             "contacter Paul Martin (paul.martin@acheteur.example).\n\nCordialement,\nÉlise Bernard",
    ),
    "ooo_fr_nodate.eml": OutOfOffice(
        message_id="<20261221094409.3f2a1b0c@webmail.acheteur.example>",
        sender="louis.girard@acheteur.example",
        subject="Absence du bureau : Petite question sur votre déploiement T1",
        in_reply_to=(f"<nrswczbnjqwtcmzzhe.6c87d6faae8780cb.intro.0@{DOMAIN}>",),
        references=(),
        tokens=(),
        evidence="Precedence: auto_reply",
        return_date=None,
        text="Bonjour,\n\nJe suis en congé et je vous répondrai dès mon retour.\n\nCordialement,\nLouis Girard",
    ),
    "ooo_es_outlook.eml": OutOfOffice(
        message_id="<DB9PR02MB7654B3C2D1E0F9A8B7C6D5E4F3A2B@DB9PR02MB7654.eurprd02.prod.outlook.com>",
        sender="diego.ruiz@comprador.example",
        subject="Respuesta automática: Pregunta rápida sobre su despliegue del T1",
        in_reply_to=(f"<nrswczbnjqwtcnbvgu.92b8fee6349df4d4.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtcnbvgu.92b8fee6349df4d4.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="Auto-Submitted: auto-replied",
        return_date=date(2027, 1, 9),
        text="Hola:\n\nEstaré fuera de la oficina hasta el 8 de enero de 2027, con acceso limitado al correo.\n"
             "Para asuntos urgentes, escriba a Lucía Gómez (lucia.gomez@comprador.example).\n\nSaludos,\nDiego Ruiz",
    ),
    "ooo_es_nodate.eml": OutOfOffice(
        message_id="<a7c4e2f0b1d3@correo.comprador.example>",
        sender="marta.soler@comprador.example",
        subject="Fuera de la oficina",
        in_reply_to=(f"<nrswczbnjqwtcnjwgy.d1d209963856c97a.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtcnjwgy.d1d209963856c97a.intro.0@{DOMAIN}>",),
        tokens=(),
        evidence="X-Autorespond",
        return_date=None,
        text="Gracias por su mensaje. Estoy de vacaciones con acceso limitado al correo y\n"
             "le responderé a mi regreso.\n\nMarta Soler",
    ),
    "reply_gmail.eml": Reply(
        message_id="<CAJ7x+Qm3kZ2p0v9Yb5nT1rW8sD4fG6hL2xC0aE7uV9iO3pN5wA@mail.gmail.com>",
        sender="ann.buyer@buyer.example",
        subject="Re: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtcnrxg4.2a0cdddfb19f4185.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtcnrxg4.2a0cdddfb19f4185.intro.0@{DOMAIN}>",),
        tokens=("jqwtcnrxg4-1b9efd5101ebe9b77d92",),
        text="Hi Bob,\n\nThursday at 3pm CET works for me. Can you send an invite?\n\nAnn",
    ),
    "reply_outlook.eml": Reply(
        message_id="<PH0PR11MB49651C0D3E2F1A0B9C8D7E6F5A4B3C2D1@PH0PR11MB4965.namprd11.prod.outlook.com>",
        sender="carl.doe@buyer.example",
        subject="RE: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtcnzyha.65c1cbafc9c49d08.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtcnzyha.65c1cbafc9c49d08.intro.0@{DOMAIN}>",),
        tokens=("jqwtcnzyha-23279dd0a08dd2a58f6b",),
        text="Hi Bob,\n\nWe’re already talking to two vendors, but send me the pricing sheet and I’ll take a look "
             "in January.\n\nThanks,\nCarl",
    ),
    "reply_outlook_web_de.eml": Reply(
        message_id="<AM0PR07MB6123F0E1D2C3B4A5968778695A4B3C2D1@AM0PR07MB6123.eurprd07.prod.outlook.com>",
        sender="juergen.mueller@kaeufer.example",
        subject="AW: Kurze Frage zu Ihrem Q1-Rollout",
        in_reply_to=(f"<nrswczbnjqwtemrqge.d6b4c863b672d013.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtemrqge.d6b4c863b672d013.intro.0@{DOMAIN}>",),
        tokens=("jqwtemrqge-c0ede69d963feb53ca3d",),
        text="Hallo Herr Seller,\n\nbitte rufen Sie mich nach dem 11. Januar an, dann haben wir das Budget für "
             "2027.\n\nViele Grüße\nJürgen Müller",
    ),
    "reply_apple_mail_iphone.eml": Reply(
        message_id="<7E1C0F0A-3B2D-4C5E-9F8A-1B2C3D4E5F60@buyer.example>",
        sender="dana.kim@buyer.example",
        subject="Re: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtemzqgi.e8f032989a02658e.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtemzqgi.e8f032989a02658e.intro.0@{DOMAIN}>",),
        tokens=("jqwtemzqgi-fe9b839f868fd2d92278",),
        text="Yes – please send the pricing, and loop in our CFO (cfo@buyer.example).",
    ),
    "reply_apple_mail_mac.eml": Reply(
        message_id="<C4E1A2B3-D5F6-4789-90AB-CDEF01234567@buyer.example>",
        sender="felix.brandt@buyer.example",
        subject="Re: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtenbqgm.286371f05235d6f0.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtenbqgm.286371f05235d6f0.intro.0@{DOMAIN}>",),
        tokens=("jqwtenbqgm-6e99903a486b916b9ba3",),
        text="Hi Bob,\n\nPlease take me off your list – we built this in-house.\n\nFelix",
    ),
    "reply_html_only.eml": Reply(
        message_id="sha256:f6eb33b8aadf04515ce84f74fb39acdb905da750b97bffe27899a5eab3449d55",
        sender="gina.park@buyer.example",
        subject="Re: Quick question about your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtenjqgq.5714ac2126ba6a00.intro.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtenjqgq.5714ac2126ba6a00.intro.0@{DOMAIN}>",),
        tokens=("jqwtenjqgq-d2002786b0570aa5a31e",),
        text="Hi Bob,\n\nInteresting & timely – could you share a case study from a company our size (~200 people)?"
             "\n\nThanks,\nGina",
    ),
    "reply_signature_thunderbird.eml": Reply(
        message_id="<5b7e9d2c-1f3a-4e6b-8c0d-2a4f6e8b0c1d@buyer.example>",
        sender="erin.vogel@buyer.example",
        subject="Re: Following up: your Q1 rollout",
        in_reply_to=(f"<nrswczbnjqwtenrqgu.5556e61b52f7362e.follow_up.0@{DOMAIN}>",),
        references=(f"<nrswczbnjqwtenrqgu.8875a3c65c2e37f2.intro.0@{DOMAIN}>",
                    f"<nrswczbnjqwtenrqgu.5556e61b52f7362e.follow_up.0@{DOMAIN}>"),
        tokens=("jqwtenrqgu-4ba3708331225dd6441c",),
        text="Hi Bob,\n\nNot this quarter. Please check back with me in April – budgets are\n"
             "frozen until then.\n\nErin",
    ),
}


def read(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def test_every_fixture_has_a_pinned_verdict() -> None:
    assert sorted(p.name for p in MAIL.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdict(name: str) -> None:
    assert classify(read(name), now=NOW) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(n for n, v in EXPECTED.items() if not v.message_id.startswith("sha256:")))
def test_crlf_line_endings_give_the_same_verdict(name: str) -> None:
    assert classify(read(name).replace(b"\n", b"\r\n"), now=NOW) == EXPECTED[name]


def test_kind_discriminates_the_verdicts() -> None:
    kinds = {name: classify(read(name), now=NOW).kind for name in ("dsn_gmail_hard.eml", "ooo_fr_outlook.eml",
                                                                   "reply_gmail.eml")}
    assert kinds == {"dsn_gmail_hard.eml": "bounce", "ooo_fr_outlook.eml": "out_of_office",
                     "reply_gmail.eml": "reply"}


def test_bounce_severity_is_the_worst_recipient() -> None:
    hard = EXPECTED["dsn_postfix_hard.eml"]
    soft = EXPECTED["dsn_gmail_soft.eml"]
    assert isinstance(hard, Bounce) and isinstance(soft, Bounce)
    assert (hard.severity, soft.severity) == ("hard", "soft")
    assert Bounce(message_id="<x@y>", sender=None, subject="", in_reply_to=(), references=(), tokens=(),
                  recipients=(), original_message_id=None).severity is None


def test_thread_ids_are_in_reply_to_then_references_each_once() -> None:
    verdict = EXPECTED["reply_signature_thunderbird.eml"]
    assert verdict.thread_ids == (f"<nrswczbnjqwtenrqgu.5556e61b52f7362e.follow_up.0@{DOMAIN}>",
                                  f"<nrswczbnjqwtenrqgu.8875a3c65c2e37f2.intro.0@{DOMAIN}>")


@pytest.mark.parametrize("name", ["reply_gmail.eml", "reply_outlook.eml", "reply_apple_mail_mac.eml",
                                  "ooo_en_outlook.eml"])
def test_the_html_alternative_yields_the_same_new_text(name: str) -> None:
    """Were the plain part missing, the HTML part (Gmail, Outlook, Apple Mail markup) would give the same text."""
    html = next(p.text for p in parts(parse(read(name))) if p.content_type == "text/html")
    expected = EXPECTED[name]
    assert isinstance(expected, (Reply, OutOfOffice))
    assert strip_signature(strip_quoted(html_text(html))) == expected.text


def test_a_return_date_is_read_relative_to_now() -> None:
    later = datetime(2027, 1, 12, 8, 0, tzinfo=timezone.utc)
    verdict = classify(read("ooo_fr_outlook.eml"), now=later)
    assert isinstance(verdict, OutOfOffice) and verdict.return_date == date(2027, 1, 14)
    after_return = datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)
    # "14 janvier" without a year is then next January: within a year, so still a date.
    verdict = classify(read("ooo_fr_outlook.eml"), now=after_return)
    assert isinstance(verdict, OutOfOffice) and verdict.return_date == date(2028, 1, 14)
    verdict = classify(read("ooo_de_outlook.eml"), now=after_return)
    assert isinstance(verdict, OutOfOffice) and verdict.return_date == date(2028, 1, 11)
