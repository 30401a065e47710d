import { registry } from "@web/core/registry";

// A sales rep opens a quotation and sees the rebate it is expected to earn and the tier it
// moves the customer into; the data comes from the Python test.
registry.category("web_tour.tours").add("rebate_sale_order_tour", {
    steps: () => [
        {
            content: "The order lines show each line's expected rebate",
            trigger: ".o_field_widget[name=order_line] .o_data_row td[name=rebate_expected_amount]:contains(36.00)",
        },
        {
            content: "Open the Rebates tab",
            trigger: ".o_notebook a[name=rebates]",
            run: "click",
        },
        {
            content: "The order's expected rebate",
            trigger: ".o_field_widget[name=rebate_expected_amount]:contains(36.00)",
        },
        {
            content: "The order moves the customer into the next tier",
            trigger: ".o_field_widget[name=rebate_tier_message]:contains(into tier 2)",
        },
        {
            content: "The agreement in force is listed",
            trigger: ".o_field_widget[name=rebate_agreement_ids] .o_data_row:contains(Test volume rebate)",
        },
    ],
});
