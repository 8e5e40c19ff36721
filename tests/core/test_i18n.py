"""Chinese first, English on request; the notice's words stay in Chinese in both."""

from django.conf import settings


def test_chinese_by_default_even_for_an_english_browser(login):
    html = login("hr").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "人员配备达标情况" in html and "首页" in html


def test_the_switch_sets_english(login):
    client = login("hr")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html and "Staffing compliance" in html


def test_the_switch_works_before_login(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_findings_are_translated_with_their_clause(login, other_school):
    html = login("hr2").get(f"/org/schools/{other_school.pk}/").content.decode()
    assert "女生宿舍不得配置男性管理员" in html and "STAFF-DORM-FEMALE" in html and "三(一)2" in html


def test_catalog_has_no_untranslated_entries():
    import polib

    po = polib.pofile(str(settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
