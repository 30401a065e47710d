import { registry } from "@web/core/registry";

// The auditor opens an audit campaign in progress and records a finding from it; the
// campaign comes from the Python test.
registry.category("web_tour.tours").add("rebate_audit_campaign_tour", {
    url: "/odoo/action-customer_rebate_audit.action_rebate_audit_campaign",
    steps: () => [
        {
            content: "Open the campaign",
            trigger: ".o_data_row:contains(Tour audit campaign) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The sample is there",
            trigger: ".o_field_widget[name=item_ids] .o_data_row",
        },
        {
            content: "Record a finding",
            trigger: "button[name=action_new_finding]",
            run: "click",
        },
        {
            content: "Say what was found",
            trigger: ".o_field_widget[name=title] input",
            run: "edit Settlement paid without confirmed statement",
        },
        {
            content: "Describe it",
            trigger: ".o_field_widget[name=description] textarea",
            run: "edit The customer never confirmed the statement before the payout.",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "The finding is numbered and open",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Open)",
        },
    ],
});
