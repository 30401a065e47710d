import { registry } from "@web/core/registry";

// The customer's portal user opens an agreement and reads its tier progress.
registry.category("web_tour.tours").add("rebate_portal_agreement_tour", {
    url: "/my/rebates",
    steps: () => [
        {
            content: "Open the agreement in force",
            trigger: ".o_rebate_agreement_card a:contains(Portal volume rebate)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The progress bar towards the next tier",
            trigger: ".o_rebate_agreement_page .progress-bar:contains(80%)",
        },
        {
            content: "The volume still needed for the next tier",
            trigger: ".o_rebate_agreement_page .o_rebate_volume_to_next:contains(200.00)",
        },
        {
            content: "What has been accrued",
            trigger: ".o_rebate_agreement_page .o_rebate_accrued:contains(16.00)",
        },
    ],
});

// The customer confirms a statement after checking its PDF link is there.
registry.category("web_tour.tours").add("rebate_portal_confirm_tour", {
    url: "/my/rebates",
    steps: () => [
        {
            content: "Open the statement to confirm",
            trigger: ".o_rebate_statement_row a:contains(RST)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The PDF can be downloaded",
            trigger: "a.o_rebate_statement_pdf[href*='report_type=pdf']",
        },
        {
            content: "Confirm it",
            trigger: "a.o_rebate_confirm",
            run: "click",
        },
        {
            content: "The signer's name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Wang Fang)",
        },
        {
            content: "The signature is drawn from the name",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statement is confirmed",
            trigger: ".o_rebate_confirmed_box:contains(Confirmed by Wang Fang)",
        },
        {
            content: "The server's thank-you notice",
            trigger: ".o_rebate_statement_notice:contains(the statement is confirmed)",
        },
    ],
});

// The customer disputes a statement with a comment.
registry.category("web_tour.tours").add("rebate_portal_dispute_tour", {
    url: "/my/rebates",
    steps: () => [
        {
            content: "Open the statement",
            trigger: ".o_rebate_statement_row a:contains(RST)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Say what does not match",
            trigger: ".o_rebate_dispute_form textarea[name=comment]",
            run: "edit Invoice INV-42 is missing",
        },
        {
            content: "Dispute it",
            trigger: "button.o_rebate_dispute",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is acknowledged",
            trigger: ".o_rebate_dispute_box:contains(Invoice INV-42 is missing)",
        },
    ],
});
