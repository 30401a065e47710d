"""Odoo's own click-everywhere bot over the Rebates app, in Chromium, as each internal
role: it opens every menu of the app, switches to every view of each action and clicks
every filter, failing on any error dialog (web/static/src/webclient/clickbot/clickbot.js,
as web/tests/test_click_everywhere.py runs it)."""

from odoo.tests import HttpCase, tagged

from .common import MENU_ROLES, ROLES, ROOT_MENU

CLICKBOT = (
    "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
    f".startClickEverywhere('{ROOT_MENU}');"
)


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiClickbot(HttpCase):
    def click_everywhere(self, role):
        user = self.env.ref(ROLES[role][0])
        if "tour_enabled" in user._fields:
            user.tour_enabled = False
        # The demo users' password is their login (demo/res_users_demo.xml).
        user.password = user.login
        self.browser_js(
            "/odoo",
            CLICKBOT,
            "odoo.isReady === true",
            login=user.login,
            timeout=300,
            success_signal="clickbot test succeeded",
        )


def _clickbot_test(role):
    def test(self):
        self.click_everywhere(role)

    test.__name__ = f"test_clickbot_{role}"
    test.__doc__ = f"Click everywhere in the Rebates app as the demo {role}."
    return test


for _role in MENU_ROLES:
    setattr(TestUiClickbot, f"test_clickbot_{_role}", _clickbot_test(_role))
