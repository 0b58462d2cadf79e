/**
 * /settings: the organisation's members and their roles, invite links, the current
 * project's API keys, projects, the project's retention and stored size, its PII redaction, the user's own password, and (owners and admins) the audit log. Owners and admins change
 * things; everyone else sees what they may see, and the API answers 403 to the rest.
 */
import { isManagerRole } from '../../../../schema/roles.ts';
import { useSession } from '../../api/session.tsx';
import { roleLabel } from '../../lib/roles.ts';
import { MembersSection } from '../../components/settings/MembersSection.tsx';
import { InvitesSection } from '../../components/settings/InvitesSection.tsx';
import { ApiKeysSection } from '../../components/settings/ApiKeysSection.tsx';
import { ProjectsSection } from '../../components/settings/ProjectsSection.tsx';
import { OrgsSection } from '../../components/settings/OrgsSection.tsx';
import { PasswordSection } from '../../components/settings/PasswordSection.tsx';
import { AuditSection } from '../../components/settings/AuditSection.tsx';
import { RedactionSection } from '../../components/settings/RedactionSection.tsx';
import { RetentionSection } from '../../components/settings/RetentionSection.tsx';
import { ExportSection } from '../../components/settings/ExportSection.tsx';

export function SettingsPage() {
  const { project } = useSession();
  if (!project) return <div className="page muted">No project.</div>;
  const manager = isManagerRole(project.org.role);
  return (
    <div className="page settings-page">
      <h1>Settings</h1>
      <p className="muted">
        Organisation <strong>{project.org.name}</strong> · project <strong>{project.name}</strong> · your role: <strong>{roleLabel(project.org.role)}</strong>
      </p>
      <MembersSection manager={manager} myRole={project.org.role} />
      <InvitesSection manager={manager} myRole={project.org.role} />
      <ApiKeysSection projectName={project.name} />
      <ProjectsSection manager={manager} />
      <RetentionSection manager={manager} />
      <RedactionSection manager={manager} />
      {manager && <ExportSection />}
      <OrgsSection />
      <PasswordSection />
      {manager && <AuditSection />}
    </div>
  );
}
