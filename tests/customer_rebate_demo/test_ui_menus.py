"""Every menu of the Rebates app, as every role: the action, each of its views (list,
kanban, pivot, form, a wizard's form and buttons), its default filters and grouping, then
each filter, grouping and search field of its search view, as the web client loads them.

Roles that do not see the app (a plain employee, the customer's portal user) open the same
actions by URL: they must get a clear refusal, never a traceback."""

from odoo.tests import tagged

from .common import MENU_ROLES, ROLES, ROOT_MENU, DemoUiCase


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiMenus(DemoUiCase):
    def check_menus(self, role):
        client = self.client(role)
        root = self.env.ref(ROOT_MENU).id
        # Portal users have no backend menus at all.
        menus = {} if client.user.share else client.env["ir.ui.menu"].load_menus(False)
        if role in MENU_ROLES:
            self.assertIn(root, menus, f"{role} does not see the Rebates app")
        else:
            self.assertNotIn(root, menus, f"{role} sees the Rebates app")
        visible = {menu.get("action_id") for menu in menus.values()}
        opened = 0
        for path, action_id in self.rebate_actions:
            if role in MENU_ROLES and action_id not in visible:
                continue
            where = f"menu {path}"

            def open_menu(action_id=action_id, where=where):
                action = client.load_action(action_id)
                client.open_action(action, where)

            client.attempt(where, "open the action and each of its views", open_menu)
            opened += 1
        self.assertTrue(opened, f"no Rebates action tried as {role}")
        self.assertNoProblem(client, "menu actions and views")


def _menu_test(role):
    def test(self):
        self.check_menus(role)

    test.__name__ = f"test_menus_{role}"
    test.__doc__ = f"Every Rebates menu, action and view as the demo {role}."
    return test


for _role in ROLES:
    setattr(TestUiMenus, f"test_menus_{_role}", _menu_test(_role))
