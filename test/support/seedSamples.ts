/** Code samples from the product spec, exactly as users paste them into code nodes. */

export const APPROVAL_LOGIC = `// Route workflow based on function results
const approvalLogic = (input, context) => {
  const amount = input.purchaseAmount;
  const user = input.requestingUser;

  // Business logic for approval routing
  if (amount > 10000) {
    return { nextPath: 'executive-approval' };
  } else if (amount > 1000) {
    return { nextPath: 'manager-approval' };
  } else {
    return { nextPath: 'auto-approve' };
  }
};`;

export const ENRICH_COMPANY_DATA = `// Enrich data with external APIs
const enrichCompanyData = async (input, context) => {
  const company = input.companyName;

  // Get company information from ZoomInfo
  const enrichmentData = await axios.get(\`\${env.ZOOMINFO_API}/companies/search\`, {
    params: { name: company },
    headers: { 'Authorization': \`Bearer \${env.ZOOMINFO_API_KEY}\` }
  });

  const companyInfo = enrichmentData.data.companies[0];

  return {
    originalName: company,
    enrichedData: {
      officialName: companyInfo.name,
      industry: companyInfo.industry,
      size: companyInfo.employeeCount,
      revenue: companyInfo.revenue,
      website: companyInfo.website,
      enrichedAt: new Date().toISOString()
    }
  };
};`;

/** The seed's purchase-approval flow as the README builds it: approvalLogic routing to three one-line approvers. */
export function purchaseApprovalFlow(id = 'purchase-approval') {
  return {
    id,
    name: 'Purchase approval',
    nodes: [
      { id: 'route', type: 'code', name: 'Approval logic', code: APPROVAL_LOGIC },
      { id: 'executive-approval', type: 'code', code: 'return { approvedBy: "executive" };' },
      { id: 'manager-approval', type: 'code', code: 'return { approvedBy: "manager" };' },
      { id: 'auto-approve', type: 'code', code: 'return { approvedBy: "auto" };' },
    ],
    edges: [
      { from: 'route', to: 'executive-approval', path: 'executive-approval' },
      { from: 'route', to: 'manager-approval', path: 'manager-approval' },
      { from: 'route', to: 'auto-approve', path: 'auto-approve' },
    ],
  };
}
