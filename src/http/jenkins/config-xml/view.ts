import type { Element } from '@xmldom/xmldom';
import { emptyViewSettings, type View, type ViewSettings } from '../../../core/view.js';
import { Refusal } from '../../errors.js';
import { appendIndented, child, elements, escapeXml, fragment, parseXml, removeChildren, serialize, setText, text } from './dom.js';

/** The one view type Steward keeps: Jenkins' list view. */
export const LIST_VIEW = 'hudson.model.ListView';
const DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n";
const SKELETON = `<${LIST_VIEW}>
  <name></name>
  <filterExecutors>false</filterExecutors>
  <filterQueue>false</filterQueue>
  <properties class="hudson.model.View$PropertyImpl"/>
  <jobNames>
    <comparator class="hudson.util.CaseInsensitiveComparator"/>
  </jobNames>
  <jobFilters/>
  <columns>
    <hudson.views.StatusColumn/>
    <hudson.views.WeatherColumn/>
    <hudson.views.JobColumn/>
    <hudson.views.LastSuccessColumn/>
    <hudson.views.LastFailureColumn/>
    <hudson.views.LastDurationColumn/>
    <hudson.views.BuildButtonColumn/>
  </columns>
  <recurse>false</recurse>
</${LIST_VIEW}>`;

export interface ParsedView {
  readonly settings: ViewSettings;
  readonly source: string;
  /** Parts kept but not acted on, for a warning header. */
  readonly ignored: readonly string[];
}

/**
 * Reads a view's config.xml (`createView` with an XML body, `view/V/config.xml`): a list view's
 * description, `jobNames`, `includeRegex` and `recurse`. Its name comes from the URL, as in Jenkins.
 * Other view types are refused; job filters are kept and named as not acted on.
 */
export function parseViewXml(xml: string): ParsedView {
  const document = parseXml(xml);
  const root = document.documentElement as Element;
  if (root.nodeName !== LIST_VIEW) {
    throw new Refusal('item_type_unsupported', `Steward keeps list views (<${LIST_VIEW}>), not <${root.nodeName}>.`, 'Send a list view: jobs by name (<jobNames>) or by <includeRegex>.');
  }
  const regex = text(root, 'includeRegex');
  const settings: ViewSettings = {
    ...emptyViewSettings(),
    description: text(root, 'description') ?? '',
    jobNames: elements(child(root, 'jobNames'), 'string').map((element) => element.textContent ?? ''),
    includeRegex: regex === null || regex.trim() === '' ? null : regex,
    recurse: (text(root, 'recurse') ?? 'false').trim() === 'true',
  };
  const ignored = elements(child(root, 'jobFilters')).length > 0 ? ['jobFilters'] : [];
  return { settings, source: serialize(root), ignored };
}

/** A view's config.xml: the document it was written with, with what Steward keeps overlaid. */
export function renderViewXml(view: View): string {
  const document = parseXml(view.sourceConfig ?? SKELETON);
  const root = document.documentElement as Element;
  setText(document, root, 'name', view.name);
  if (view.settings.description === '') removeChildren(root, 'description');
  else setText(document, root, 'description', view.settings.description);
  removeChildren(root, 'jobNames');
  const names = [...view.settings.jobNames].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const strings = names.map((name) => `<string>${escapeXml(name)}</string>`).join('');
  appendIndented(root, fragment(document, `<jobNames><comparator class="hudson.util.CaseInsensitiveComparator"/>${strings}</jobNames>`));
  if (view.settings.includeRegex === null) removeChildren(root, 'includeRegex');
  else setText(document, root, 'includeRegex', view.settings.includeRegex);
  setText(document, root, 'recurse', String(view.settings.recurse));
  return DECLARATION + serialize(root) + '\n';
}

