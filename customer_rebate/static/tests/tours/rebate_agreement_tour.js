import { registry } from "@web/core/registry";

// The sales rep writes an agreement with two tiers, attaches the signed contract and
// submits it; the data (customer company) comes from the Python test.
registry.category("web_tour.tours").add("rebate_agreement_rep_tour", {
    url: "/odoo/action-customer_rebate.action_rebate_agreement",
    steps: () => [
        {
            content: "Create a new agreement",
            trigger: "button.o_list_button_add",
            run: "click",
        },
        {
            content: "Describe it",
            trigger: ".o_field_widget[name=title] input",
            run: "edit Tour volume rebate",
        },
        {
            content: "Choose the customer company",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Customer Co",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains(Tour Customer Co)",
            run: "click",
        },
        {
            content: "Start date",
            trigger: ".o_field_widget[name=date_start] input",
            run: "edit 01/01/2027",
        },
        {
            content: "End date",
            trigger: ".o_field_widget[name=date_end] input",
            run: "edit 12/31/2027",
        },
        {
            content: "Add the first tier",
            trigger: ".o_field_widget[name=tier_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=tier_ids] .o_data_row [name=threshold] input",
            run: "edit 0",
        },
        {
            trigger: ".o_field_widget[name=tier_ids] .o_data_row [name=rate] input",
            run: "edit 3",
        },
        {
            content: "Add the second tier",
            trigger: ".o_field_widget[name=tier_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=tier_ids] .o_data_row:eq(1) [name=threshold] input",
            run: "edit 100000",
        },
        {
            trigger: ".o_field_widget[name=tier_ids] .o_data_row:eq(1) [name=rate] input",
            run: "edit 5",
        },
        {
            content: "Open the contract tab",
            trigger: ".o_notebook a[name=contract]",
            run: "click",
        },
        {
            content: "Attach the signed contract",
            trigger: ".o_field_widget[name=signed_contract] input[type=file]:not(:visible)",
            run() {
                const file = new File(["%PDF-1.4 signed"], "signed_contract.pdf", {
                    type: "application/pdf",
                });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            trigger: ".o_field_widget[name=signed_contract] input.o_input:value(signed_contract.pdf)",
        },
        {
            content: "Open the approval tab",
            trigger: ".o_notebook a[name=approval]",
            run: "click",
        },
        {
            content: "Estimate the yearly sales",
            trigger: ".o_field_widget[name=estimated_yearly_amount] input",
            run: "edit 200000",
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
            content: "Submit for approval",
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            content: "The agreement waits for approval",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(To Approve)",
        },
    ],
});

// The rebate manager opens the agreements to approve and approves the rep's agreement.
registry.category("web_tour.tours").add("rebate_agreement_manager_tour", {
    url: "/odoo/action-customer_rebate.action_rebate_agreement_to_approve",
    steps: () => [
        {
            content: "Open the agreement waiting for approval",
            trigger: ".o_data_row:contains(Tour volume rebate) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            content: "The agreement is approved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            content: "The decision is in the approval history",
            trigger: ".o_notebook a[name=approval]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=approval_ids] .o_data_row:contains(Approved)",
        },
    ],
});
