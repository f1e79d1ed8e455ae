"""``cadence preview`` to one page: every template for every sample lead, the lead without optional fields marked."""

from __future__ import annotations

from pathlib import Path

from cadence.dsl.compiler import compile_file
from cadence.preview import SAMPLE_LEAD, preview_file, touchpoints, without_optional_fields
from tests.preview.conftest import PageReader, preview

SPARSE = "PREVIEW-1-without-optional-fields"
LACKS = ("first_name, last_name, title, industry, website, employees, revenue, timezone, owner, campaign, deal_size, "
         "address_line2, region, country")


def test_summary_and_default_output(work: Path, capsys):
    version = compile_file("cadences/showcase.yaml").short_version
    code, out, err = preview(capsys, "cadences/showcase.yaml")
    assert code == 0
    assert out == (
        f"showcase ({version}): 6 templates for 2 sample leads, enrolled Mon 1 Mar 09:00 America/New_York\n"
        f"PREVIEW-1 without optional fields (lacks {LACKS}; keeps company: pre-qualification needs it): "
        "5 of 6 differ\n")
    assert err == "wrote showcase-preview.html\n"
    assert (work / "showcase-preview.html").is_file()


def test_every_template_for_every_lead(work: Path, capsys):
    code, _out, _err = preview(capsys, "cadences/showcase.yaml", "-o", "page.html")
    assert code == 0
    page = PageReader((work / "page.html").read_text(encoding="utf-8"))
    keys = [t.key for t in touchpoints(compile_file("cadences/showcase.yaml"))]
    assert page.sections == keys == ["showcase-welcome", "showcase-intro-call", "showcase-drop", "showcase-letter",
                                     "showcase-follow-up-a", "showcase-follow-up-b"]
    assert [(c.touch, c.lead) for c in page.cells] == [(k, lead) for k in keys for lead in ("PREVIEW-1", SPARSE)]
    welcome = page.cell("showcase-welcome", "PREVIEW-1")
    assert welcome.subject == "Welcome, Maria"
    assert welcome.frames[0].startswith("<p>Hi Maria,</p>\n<p>Thanks for your interest from Northwind Logistics: "
                                        'here is "the guide" &amp; a <b>checklist</b>.</p>')
    assert welcome.pre[0].startswith("Hi Maria,\n\nThanks for your interest from Northwind Logistics: "
                                     'here is "the guide" & a checklist.')
    assert page.cell("showcase-follow-up-b", "PREVIEW-1").subject == "Northwind Logistics: one question"
    letter = page.cell("showcase-letter", "PREVIEW-1").frames[0]
    assert "@page { size: letter;" in letter and "Maria Gonzalez<br>" in letter and "<p>Dear Maria,</p>" in letter
    assert page.cell("showcase-drop", "PREVIEW-1").pre == [
        "Hello, this is Dana Whitfield from Example Corp. I will follow up by email. Thank you.\n"]


def test_self_contained_and_frames_sandboxed(work: Path, capsys):
    preview(capsys, "cadences/showcase.yaml", "-o", "page.html")
    text = (work / "page.html").read_text(encoding="utf-8")
    page = PageReader(text)
    names = {tag for tag, _attrs in page.tags}
    assert not names & {"script", "link", "img", "object", "embed"}
    assert not [a for _t, a in page.tags if any(str(a.get(k) or "").startswith(("http:", "https:", "//"))
                                                for k in ("src", "href"))]
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [{"http-equiv": "Content-Security-Policy",
                    "content": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}]
    frames = [a for t, a in page.tags if t == "iframe"]
    assert len(frames) == 2 * 4 and all(a["sandbox"] == "" and a.get("srcdoc") for a in frames)
    # The email's markup lives only inside the escaped attribute, never as the page's own tags.
    assert "<p>Hi Maria,</p>" not in text and "&lt;p&gt;Hi Maria,&lt;/p&gt;" in text


def test_lead_without_optional_fields_is_marked(work: Path, capsys):
    preview(capsys, "cadences/showcase.yaml", "-o", "page.html")
    text = (work / "page.html").read_text(encoding="utf-8")
    page = PageReader(text)
    welcome = page.cell("showcase-welcome", SPARSE)
    assert welcome.classes == {"lead", "sparse", "differs"}
    assert welcome.marker == "\u2260 differs from Maria Gonzalez (PREVIEW-1)"
    assert welcome.subject == "Welcome"
    assert welcome.frames[0].startswith("<p>Hi there,</p>")
    drop = page.cell("showcase-drop", SPARSE)
    assert drop.classes == {"lead", "sparse", "same"}
    assert drop.marker == "= same as Maria Gonzalez (PREVIEW-1)"
    assert page.cell("showcase-drop", "PREVIEW-1").classes == {"lead"}
    assert ('<pre class="diff"><span class="hunk">@@ -1,5 +1,5 @@</span>'
            '<span class="del">-To: Maria Gonzalez &lt;maria.gonzalez@northwind.example&gt;</span>'
            '<span class="del">-Subject: Welcome, Maria</span>'
            '<span class="add">+To: maria.gonzalez@northwind.example</span>'
            '<span class="add">+Subject: Welcome</span>') in text
    assert f"lacks: {LACKS}<br>keeps company: pre-qualification needs it" in text
    assert '<a href="#t-showcase-drop">voicemail drop drop</a></li>' in text
    assert ('<a href="#t-showcase-welcome">email welcome</a> <span class="differs">&ne; differs without optional '
            "fields</span></li>") in text


def test_lead_without_optional_fields_keeps_what_prequalification_needs(work: Path):
    plan = compile_file("cadences/showcase.yaml")
    from cadence.preview import enrollment_instant

    fields, dropped, kept = without_optional_fields(plan, SAMPLE_LEAD, enrollment_instant(plan, None))
    assert fields == {"id": "PREVIEW-1", "email": "maria.gonzalez@northwind.example", "phone": "+1 312 555 0142",
                      "company": "Northwind Logistics", "source": "marketing", "address_line1": "500 W Monroe St",
                      "city": "Chicago", "postal_code": "60661"}
    assert ", ".join(dropped) == LACKS
    assert kept == ("company",)


def test_context_is_the_workflows_for_a_lead_that_never_answers(work: Path):
    result = preview_file("cadences/showcase.yaml")
    lead, sparse = result.leads
    call = result.rendering(result.touchpoints[1], lead)
    assert call.when == "a lead that never answers reaches it Wed 3 Mar 09:23 America/Chicago"
    assert call.text == ("# Intro call: Northwind Logistics\n"
                         "Contact: Maria; touches so far: 1; stage nurture.\n"
                         "- 2027-03-01 email welcome: sent\n")
    assert result.rendering(result.touchpoints[1], sparse).when == (
        "a lead that never answers reaches it Wed 3 Mar 09:00 America/New_York")
    # The lead's id picks variant b; variant a is shown as at enrollment.
    assert result.rendering(result.touchpoints[4], lead).when == (
        "not on the path of a lead that never answers; shown as at enrollment, Mon 1 Mar 08:00 America/Chicago")
    assert result.rendering(result.touchpoints[5], lead).when == (
        "a lead that never answers reaches it Thu 11 Mar 09:23 America/Chicago")


def test_at_sets_enrollment_and_the_default_never_reads_the_clock(work: Path, capsys):
    assert preview(capsys, "cadences/showcase.yaml", "-o", "default.html")[0] == 0
    assert preview(capsys, "cadences/showcase.yaml", "-o", "stated.html", "--at", "2027-03-01T09:00")[0] == 0
    assert (work / "default.html").read_bytes() == (work / "stated.html").read_bytes()
    code, out, _err = preview(capsys, "cadences/showcase.yaml", "-o", "later.html", "--at", "2027-11-25T10:00-06:00")
    assert code == 0
    assert out.splitlines()[0].endswith("enrolled Thu 25 Nov 11:00 America/New_York")
    assert "a lead that never answers reaches it Thu 25 Nov 10:00 America/Chicago" in (
        work / "later.html").read_text(encoding="utf-8")
    code, _out, err = preview(capsys, "cadences/showcase.yaml", "--at", "soon")
    assert (code, err) == (1, "error: --at 'soon': expected a date or a date and time, like 2027-03-01T09:00\n")


def test_lead_file(work: Path, capsys):
    (work / "leads.csv").write_text(
        "id,first_name,company,email,phone,address_line1,city,postal_code,timezone\n"
        "L-1,Ana,Acme Freight,ana@acmefreight.example,+1 415 555 0100,1 Main St,Springfield,12345,America/Los_Angeles\n"
        "L-2,,Bolt Labs,ops@bolt.example,,,,,\n"
        "L-3,Bad,Co,not-an-email,,,,,\n"
        "L-4,Dee,,dee@example.org,,,,,\n", encoding="utf-8")
    code, out, err = preview(capsys, "cadences/showcase.yaml", "--lead", "leads.csv", "-o", "page.html")
    assert code == 0
    assert out.splitlines()[1] == ("L-1 without optional fields (lacks first_name, timezone; keeps company: "
                                   "pre-qualification needs it): 5 of 6 differ")
    assert err == ("warning: skipped 1 invalid lead of leads.csv (line 4: email: 'not-an-email' is not a valid "
                   "address); enroll would reject them too\nwrote page.html\n")
    page = PageReader((work / "page.html").read_text(encoding="utf-8"))
    assert sorted({c.lead for c in page.cells}) == ["L-1", "L-1-without-optional-fields", "L-2", "L-4"]
    assert page.cell("showcase-welcome", "L-2").subject == "Welcome"
    assert page.cell("showcase-letter", "L-2").skipped == (
        "not written: lead L-2 has no postal address (address_line1 and city or postal_code)")
    assert page.cell("showcase-letter", "L-2").frames == []
    assert page.cell("showcase-welcome", "L-4").skipped == "pre-qualification rejects this lead: No company"


def test_no_sparse(work: Path, capsys):
    code, out, _err = preview(capsys, "cadences/showcase.yaml", "--no-sparse", "-o", "page.html")
    assert code == 0 and len(out.splitlines()) == 1 and "for 1 sample lead," in out
    page = PageReader((work / "page.html").read_text(encoding="utf-8"))
    assert {c.lead for c in page.cells} == {"PREVIEW-1"}
